//! `ferrofetch-bench-server`: a small local HTTP server for the benchmarks,
//! tests and demo.
//!
//! Usage: `ferrofetch-bench-server [--port N] [--no-stdin-watch]`
//!
//! It binds 127.0.0.1:N (0 = ephemeral), prints `LISTENING <port>` once it
//! accepts connections, and serves HTTP/1.1 (and h2c with prior knowledge).
//! It exits when stdin reaches EOF, so it never outlives the parent that
//! spawned it with a piped stdin, and on SIGTERM (the default action already
//! terminates the process, so no handler is installed).

mod body;
mod routes;

use std::io::{Read, Write};
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

struct Args {
    port: u16,
    watch_stdin: bool,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}\nusage: ferrofetch-bench-server [--port N] [--no-stdin-watch]");
            return ExitCode::from(2);
        }
    };
    // Two workers: the bench machine has two cores, and the clients under
    // test need CPU too.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ferrofetch-bench-server: {err}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        port: 0,
        watch_stdin: true,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                parsed.port = value.parse().map_err(|_| format!("bad port: {value}"))?;
            }
            "--no-stdin-watch" => parsed.watch_stdin = false,
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(parsed)
}

async fn serve(args: Args) -> std::io::Result<()> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port)).await?;
    let port = listener.local_addr()?.port();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "LISTENING {port}")?;
        out.flush()?;
    }
    if args.watch_stdin {
        // A plain thread: blocking reads on stdin must not occupy a runtime worker.
        std::thread::spawn(exit_on_stdin_eof);
    }

    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Usually fd exhaustion; back off instead of spinning.
                eprintln!("accept: {err}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        // Small responses must not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let builder = Arc::clone(&builder);
        tokio::spawn(async move {
            // Client resets and aborted streams are normal in benchmarks.
            let _ = builder
                .serve_connection(TokioIo::new(stream), service_fn(routes::handle))
                .await;
        });
    }
}

fn exit_on_stdin_eof() {
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 256];
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => std::process::exit(0),
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => std::process::exit(0),
        }
    }
}
