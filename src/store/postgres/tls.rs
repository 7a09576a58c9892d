//! TLS to PostgreSQL with rustls, for `sslmode=require` and `sslmode=verify-full`.
//!
//! `require` encrypts without checking who answers (as libpq does without a root
//! certificate); `verify-full` checks the server's certificate chain against the roots
//! (`sslrootcert=FILE` with PEM certificates, else the bundled Mozilla roots) and that it
//! names the host. `disable` and `prefer` (the default) connect without TLS.

use crate::store::{Result, StoreError};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// How a URI asks for TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `disable`, `prefer` or nothing: no TLS.
    Off,
    /// `require`: encrypted, the server not verified.
    Require,
    /// `verify-full`: encrypted, chain and host name verified.
    VerifyFull,
}

impl TlsMode {
    pub fn parse(v: &str) -> Result<Self> {
        match v {
            "disable" | "allow" | "prefer" => Ok(TlsMode::Off),
            "require" => Ok(TlsMode::Require),
            "verify-full" => Ok(TlsMode::VerifyFull),
            "verify-ca" => Err(StoreError::Invalid(
                "store URI: sslmode=verify-ca is not supported; use verify-full (checks the \
                 chain and the host name) or require"
                    .into(),
            )),
            other => Err(StoreError::Invalid(format!(
                "store URI: unknown sslmode `{other}` (disable, prefer, require, verify-full)"
            ))),
        }
    }
}

/// The rustls client configuration of a mode; None for [`TlsMode::Off`].
pub fn client_config(mode: TlsMode, root_cert: Option<&str>) -> Result<Option<RustlsConnect>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Invalid(format!("TLS setup: {e}")))?;
    let config = match mode {
        TlsMode::Off => return Ok(None),
        TlsMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
            .with_no_client_auth(),
        TlsMode::VerifyFull => {
            let mut roots = RootCertStore::empty();
            match root_cert {
                Some(path) => {
                    let certs = CertificateDer::pem_file_iter(path)
                        .map_err(|e| {
                            StoreError::Invalid(format!("store URI: sslrootcert `{path}`: {e}"))
                        })?
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(|e| {
                            StoreError::Invalid(format!("store URI: sslrootcert `{path}`: {e}"))
                        })?;
                    let (added, _) = roots.add_parsable_certificates(certs);
                    if added == 0 {
                        return Err(StoreError::Invalid(format!(
                            "store URI: sslrootcert `{path}` holds no usable certificate"
                        )));
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(Some(RustlsConnect(Arc::new(config))))
}

/// Accepts any certificate (`sslmode=require`) but still checks the handshake
/// signatures, so the session keys belong to whoever holds the certificate's key.
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A [`MakeTlsConnect`] for tokio-postgres over rustls.
#[derive(Clone)]
pub struct RustlsConnect(Arc<ClientConfig>);

pub struct RustlsConnector {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl<S> MakeTlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnector;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<RustlsConnector> {
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(RustlsConnector {
            config: self.0.clone(),
            name,
        })
    }
}

impl<S> TlsConnect<S> for RustlsConnector
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let tls = tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await?;
            Ok(RustlsStream(Box::new(tls)))
        })
    }
}

pub struct RustlsStream<S>(Box<tokio_rustls::client::TlsStream<S>>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(TlsMode::parse("require").unwrap(), TlsMode::Require);
        assert_eq!(TlsMode::parse("verify-full").unwrap(), TlsMode::VerifyFull);
        assert_eq!(TlsMode::parse("prefer").unwrap(), TlsMode::Off);
        assert!(TlsMode::parse("verify-ca").is_err());
        assert!(TlsMode::parse("sometimes").is_err());
        assert!(client_config(TlsMode::Off, None).unwrap().is_none());
        assert!(client_config(TlsMode::Require, None).unwrap().is_some());
        assert!(client_config(TlsMode::VerifyFull, None).unwrap().is_some());
        let err = client_config(TlsMode::VerifyFull, Some("/nonexistent/root.pem"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("sslrootcert"), "{err}");
    }
}
