//! Helpers shared by the core's loopback tests: raw TCP servers on
//! 127.0.0.1 that answer exactly the bytes each test needs.
//!
//! Each test file compiles this module separately and uses only part of it,
//! hence the `dead_code` allowance.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Serves each connection with `handler`; returns the base URL.
pub async fn serve<F, Fut>(handler: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(handler(socket));
        }
    });
    format!("http://{addr}")
}

/// Reads one request head (up to the blank line); returns it as text.
pub async fn read_head(socket: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 64 * 1024 {
        if socket.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        buf.push(byte[0]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// The sending half of [`first_report`]: clones share one slot.
pub struct FirstReport<T>(Arc<Mutex<Option<oneshot::Sender<T>>>>);

impl<T> Clone for FirstReport<T> {
    fn clone(&self) -> Self {
        FirstReport(self.0.clone())
    }
}

impl<T> FirstReport<T> {
    /// Delivers `value` if nothing was delivered yet; later calls do nothing.
    pub fn send(&self, value: T) {
        if let Some(tx) = self.0.lock().unwrap().take() {
            let _ = tx.send(value);
        }
    }
}

/// A one-shot channel for what a server saw, whose sender every connection
/// handler of [`serve`] may hold: the first report wins (a client may open
/// more than one connection).
pub fn first_report<T>() -> (FirstReport<T>, oneshot::Receiver<T>) {
    let (tx, rx) = oneshot::channel();
    (FirstReport(Arc::new(Mutex::new(Some(tx)))), rx)
}
