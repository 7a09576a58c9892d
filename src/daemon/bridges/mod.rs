//! Bridges: other channels into event sources through the one tracking pipeline.
//!
//! - [`segment`]: the Segment-compatible HTTP API, mounted on the collector port.
//! - [`mqtt`] and [`amqp`]: message-broker consumers (`tracardictl serve bridge NAME`).
//!
//! Every bridge acknowledges (HTTP 200, MQTT PUBACK, AMQP ack) only after the data is on
//! disk, and derives event ids from the sender's message id, so a resend is recognised
//! by an event already stored under that id and is stored nothing twice.

pub mod amqp;
pub mod broker;
pub mod mqtt;
pub mod segment;

pub use broker::{BridgeState, BridgeStats, BridgeStatus};

/// A deterministic id in UUID form: the md5 of the parts joined by `\u{1f}`.
pub fn derived_id(parts: &[&str]) -> String {
    let joined = parts.join("\u{1f}");
    uuid::Uuid::from_bytes(md5::compute(joined.as_bytes()).0).to_string()
}

#[cfg(test)]
mod tests {
    use super::derived_id;

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(derived_id(&["a", "b"]), derived_id(&["a", "b"]));
        assert_ne!(derived_id(&["a", "b"]), derived_id(&["ab"]));
        assert_eq!(derived_id(&["x"]).len(), 36);
    }
}
