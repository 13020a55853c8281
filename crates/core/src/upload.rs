//! Streaming request bodies: a [`BodyQueue`] that JS fills and hyper
//! drains, exposed to reqwest as a body stream.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream;

use crate::body::{BodyQueue, Take};
use crate::error::Error;

/// A request body: known up front, or streamed while it is sent.
#[derive(Clone, Debug)]
pub enum RequestBody {
    /// All bytes known: sent with Content-Length and replayable on 307/308.
    Bytes(Bytes),
    /// Produced while sent (chunked on HTTP/1.1); sent once, never replayed.
    Stream(Arc<BodyQueue>),
}

impl RequestBody {
    /// True when the body can be sent again after a redirect.
    pub fn can_replay(&self) -> bool {
        matches!(self, RequestBody::Bytes(_))
    }
}

/// Cancels the queue when hyper drops the body (it finished early, the
/// server answered early, or the request failed), which tells the JS
/// producer to stop instead of filling a queue nobody drains.
struct ConsumerGuard(Arc<BodyQueue>);

impl Drop for ConsumerGuard {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// The queue as a reqwest body. A producer failure becomes a body error,
/// so hyper abandons the connection rather than ending the chunked body
/// cleanly: the server never mistakes a failed upload for a complete one.
pub(crate) fn into_reqwest_body(queue: Arc<BodyQueue>) -> reqwest::Body {
    let chunks = stream::unfold(ConsumerGuard(queue), |guard| async move {
        loop {
            match guard.0.take_chunk() {
                Take::Chunk(chunk) => return Some((Ok(chunk), guard)),
                Take::Pending => guard.0.readable().await,
                Take::End => return None,
                Take::Failed(e) => return Some((Err(UploadFailed(e)), guard)),
            }
        }
    });
    reqwest::Body::wrap_stream(chunks)
}

/// The error a failed producer puts into the body stream.
#[derive(Debug)]
pub(crate) struct UploadFailed(pub(crate) Error);

impl std::fmt::Display for UploadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the request body failed: {}", self.0.message())
    }
}

impl std::error::Error for UploadFailed {}
