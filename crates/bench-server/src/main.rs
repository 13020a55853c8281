//! `ferrofetch-bench-server`: a small local HTTP server for the benchmarks,
//! tests and demo.
//!
//! Usage: `ferrofetch-bench-server [--port N] [--no-stdin-watch]
//! [--tls-cert PATH --tls-key PATH]`
//!
//! It binds 127.0.0.1:N (0 = ephemeral), prints `LISTENING <port>` once it
//! accepts connections, and serves HTTP/1.1 (and h2c with prior knowledge).
//! With a PEM certificate chain and key it also serves TLS on a second
//! ephemeral port, announced as `LISTENING_TLS <port>` on the next line, where
//! ALPN picks h2 or http/1.1; the routes are the same.
//! It exits when stdin reaches EOF, so it never outlives the parent that
//! spawned it with a piped stdin, and on SIGTERM (the default action already
//! terminates the process, so no handler is installed).

mod body;
mod routes;
mod tls;

use std::io::{Read, Write};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

const USAGE: &str =
    "usage: ferrofetch-bench-server [--port N] [--no-stdin-watch] [--tls-cert PATH --tls-key PATH]";

/// A client that stalls its TLS handshake longer than this is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

struct Args {
    port: u16,
    watch_stdin: bool,
    /// PEM certificate chain and private key; both or neither.
    tls: Option<(PathBuf, PathBuf)>,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}\n{USAGE}");
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
        tls: None,
    };
    let (mut cert, mut key) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                parsed.port = value.parse().map_err(|_| format!("bad port: {value}"))?;
            }
            "--no-stdin-watch" => parsed.watch_stdin = false,
            "--tls-cert" => {
                cert = Some(PathBuf::from(args.next().ok_or("--tls-cert needs a path")?))
            }
            "--tls-key" => key = Some(PathBuf::from(args.next().ok_or("--tls-key needs a path")?)),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    parsed.tls = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    Ok(parsed)
}

async fn serve(args: Args) -> std::io::Result<()> {
    // Certificate errors surface before anything is announced.
    let acceptor = match &args.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key).map_err(std::io::Error::other)?),
        None => None,
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port)).await?;
    let tls_listener = match acceptor {
        Some(acceptor) => Some((TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?, acceptor)),
        None => None,
    };
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "LISTENING {}", listener.local_addr()?.port())?;
        if let Some((tls_listener, _)) = &tls_listener {
            writeln!(out, "LISTENING_TLS {}", tls_listener.local_addr()?.port())?;
        }
        out.flush()?;
    }
    if args.watch_stdin {
        // A plain thread: blocking reads on stdin must not occupy a runtime worker.
        std::thread::spawn(exit_on_stdin_eof);
    }

    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    if let Some((tls_listener, acceptor)) = tls_listener {
        tokio::spawn(accept_loop(
            tls_listener,
            Arc::clone(&builder),
            Some(acceptor),
        ));
    }
    accept_loop(listener, builder, None).await;
    Ok(())
}

/// Accepts until the process exits (stdin EOF or a signal): the loop has no
/// other end, and each connection is served on its own task.
async fn accept_loop(
    listener: TcpListener,
    builder: Arc<auto::Builder<TokioExecutor>>,
    acceptor: Option<TlsAcceptor>,
) {
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
        tokio::spawn(serve_connection(
            stream,
            Arc::clone(&builder),
            acceptor.clone(),
        ));
    }
}

/// Serves one connection; with TLS, after a bounded handshake. The auto
/// builder reads the connection preface, so it follows whatever ALPN chose.
async fn serve_connection(
    stream: TcpStream,
    builder: Arc<auto::Builder<TokioExecutor>>,
    acceptor: Option<TlsAcceptor>,
) {
    let service = service_fn(routes::handle);
    // Client resets and aborted streams are normal in benchmarks, so
    // connection errors are dropped.
    match acceptor {
        None => {
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
        Some(acceptor) => {
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            if let Ok(Ok(stream)) = handshake.await {
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::parse_args;

    fn parse(args: &[&str]) -> Result<super::Args, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn tls_flags_go_together() {
        assert!(parse(&[]).unwrap().tls.is_none());
        let args = parse(&["--tls-cert", "c.pem", "--tls-key", "k.pem"]).unwrap();
        let (cert, key) = args.tls.unwrap();
        assert_eq!(
            (cert.to_str(), key.to_str()),
            (Some("c.pem"), Some("k.pem"))
        );
        assert!(parse(&["--tls-cert", "c.pem"]).is_err());
        assert!(parse(&["--tls-key"]).is_err());
    }
}
