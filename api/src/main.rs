//! The `mptf` command: parses the command line and hands over to the library.

/// mimalloc rather than glibc's malloc: the server allocates many small, short-lived objects per
/// request (GraphQL values, rows), where glibc spent a third of the server's CPU (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mptf::cli::main()
}
