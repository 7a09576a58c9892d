fn main() -> std::process::ExitCode {
    tracardictl::cli::main()
}
