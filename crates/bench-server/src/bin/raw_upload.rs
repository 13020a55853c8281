//! `ferrofetch-raw-upload`: the bench's upload reference, what the kernel
//! path alone carries to the bench server.
//!
//! Usage: `ferrofetch-raw-upload URL BYTES CHUNK` (URL: `http://127.0.0.1:N/upload`).
//!
//! It sends a chunked HTTP/1.1 POST of BYTES bytes in CHUNK-sized chunks
//! from one blocking socket, 16 framed chunks to a `write`, with no HTTP
//! library, async runtime or JS: what is left is the kernel's loopback TCP
//! path and the server. It is a reference, not a bound (a client that
//! writes from two threads could pass it), for how much of the machine's
//! upload throughput a client leaves unused.
//! Prints one JSON line: `{"bytes":<what the server counted>,"seconds":<s>}`,
//! timed from connect to the end of the response.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: ferrofetch-raw-upload http://HOST:PORT/PATH BYTES CHUNK";

/// Chunks per `write` (16 x 64 KiB = 1 MiB).
const BATCH: usize = 16;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [url, bytes, chunk] => parse(url, bytes, chunk),
        _ => Err(USAGE.to_string()),
    };
    let (authority, path, total, chunk) = match parsed {
        Ok(parsed) => parsed,
        Err(msg) => {
            eprintln!("{msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match upload(&authority, &path, total, chunk) {
        Ok((bytes, seconds)) => {
            println!("{{\"bytes\":{bytes},\"seconds\":{seconds}}}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("ferrofetch-raw-upload: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `(host:port, path, total bytes, chunk size)` from the arguments.
fn parse(url: &str, bytes: &str, chunk: &str) -> Result<(String, String, u64, usize), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// URLs are supported: {url}"))?;
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let total: u64 = bytes
        .parse()
        .map_err(|_| format!("bad byte count: {bytes}"))?;
    let chunk: usize = chunk
        .parse()
        .map_err(|_| format!("bad chunk size: {chunk}"))?;
    if chunk == 0 {
        return Err("the chunk size must be positive".into());
    }
    Ok((authority.to_string(), path.to_string(), total, chunk))
}

/// Framed chunk: `size CRLF data CRLF`, the data bytes all 0x75 as the
/// bench's own uploads send them.
fn framed(len: usize) -> Vec<u8> {
    let mut frame = format!("{len:x}\r\n").into_bytes();
    frame.resize(frame.len() + len, 0x75);
    frame.extend_from_slice(b"\r\n");
    frame
}

fn upload(authority: &str, path: &str, total: u64, chunk: usize) -> std::io::Result<(u64, f64)> {
    let started = Instant::now();
    let mut socket = TcpStream::connect(authority)?;
    socket.set_nodelay(true)?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    socket.write_all(head.as_bytes())?;
    // Whole chunks go out BATCH at a time, one `write` each, as hyper's
    // vectored writes batch them too; the tail goes out on its own.
    let batch: Vec<u8> = framed(chunk).repeat(BATCH);
    let mut sent: u64 = 0;
    while total - sent >= (BATCH * chunk) as u64 {
        socket.write_all(&batch)?;
        sent += (BATCH * chunk) as u64;
    }
    while sent < total {
        let len = (total - sent).min(chunk as u64) as usize;
        socket.write_all(&framed(len))?;
        sent += len as u64;
    }
    socket.write_all(b"0\r\n\r\n")?;
    // `connection: close`: the response ends with the connection.
    let mut response = Vec::new();
    socket.read_to_end(&mut response)?;
    let seconds = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&response);
    if !text.starts_with("HTTP/1.1 200") {
        let status = text.lines().next().unwrap_or("");
        return Err(std::io::Error::other(format!("server answered {status:?}")));
    }
    Ok((counted_bytes(&text)?, seconds))
}

/// The `"bytes":N` the /upload route answers with.
fn counted_bytes(response: &str) -> std::io::Result<u64> {
    let digits = response
        .split("\"bytes\":")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .unwrap_or_default();
    digits
        .parse()
        .map_err(|_| std::io::Error::other("the response has no byte count"))
}

#[cfg(test)]
mod tests {
    use super::{counted_bytes, framed, parse};

    #[test]
    fn parses_url_and_sizes() {
        let (authority, path, total, chunk) =
            parse("http://127.0.0.1:8080/upload", "10", "4").unwrap();
        assert_eq!(
            (authority.as_str(), path.as_str(), total, chunk),
            ("127.0.0.1:8080", "/upload", 10, 4)
        );
        assert!(parse("https://127.0.0.1/upload", "1", "1").is_err());
        assert!(parse("http://127.0.0.1/upload", "x", "1").is_err());
        assert!(parse("http://127.0.0.1/upload", "1", "0").is_err());
    }

    #[test]
    fn frames_a_chunk() {
        assert_eq!(framed(3), b"3\r\nuuu\r\n");
        assert_eq!(&framed(65536)[..7], b"10000\r\n");
    }

    #[test]
    fn reads_the_count() {
        let response = "HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{\"bytes\":42}";
        assert_eq!(counted_bytes(response).unwrap(), 42);
        assert!(counted_bytes("HTTP/1.1 200 OK\r\n\r\n{}").is_err());
    }
}
