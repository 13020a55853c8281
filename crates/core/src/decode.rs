//! Content-Encoding decoding (gzip, deflate, br, zstd), streamed. Done here
//! rather than by reqwest because reqwest's decoder removes the
//! Content-Encoding and Content-Length headers, which Fetch and undici keep
//! on the response.

use std::io;
use std::pin::Pin;

use async_compression::tokio::bufread::{
    BrotliDecoder, DeflateDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder,
};
use bytes::Bytes;
use futures_util::{future, stream, Stream, StreamExt};
use http::header::{HeaderMap, CONTENT_ENCODING};
use hyper::body::Body as _;
use tokio::io::AsyncRead;
use tokio_util::io::{ReaderStream, StreamReader};

use crate::error::{self, codes, network, Error, Phase};

/// The codings we decode, as sent in Accept-Encoding.
pub(crate) const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// Decoded bytes handed on per chunk at most.
const DECODED_CHUNK: usize = 64 * 1024;

/// A content coding we decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

/// Most codings applied one over another that we undo, as undici limits
/// them: a longer list is passed through as it came.
const MAX_CODINGS: usize = 5;

impl Coding {
    fn parse(token: &str) -> Option<Coding> {
        let token = token.trim();
        if token.eq_ignore_ascii_case("gzip") || token.eq_ignore_ascii_case("x-gzip") {
            Some(Coding::Gzip)
        } else if token.eq_ignore_ascii_case("deflate") {
            Some(Coding::Deflate)
        } else if token.eq_ignore_ascii_case("br") {
            Some(Coding::Brotli)
        } else if token.eq_ignore_ascii_case("zstd") {
            Some(Coding::Zstd)
        } else {
            None
        }
    }

    /// The codings a response's Content-Encoding lists, in the order they
    /// were applied, when we can undo every one of them. Otherwise (none,
    /// an unknown one such as `identity`, or too many) the body is left as
    /// it came.
    pub(crate) fn of(headers: &HeaderMap) -> Option<Vec<Coding>> {
        let mut codings = Vec::new();
        for value in headers.get_all(CONTENT_ENCODING) {
            for token in value.to_str().ok()?.split(',') {
                codings.push(Coding::parse(token)?);
            }
        }
        (!codings.is_empty() && codings.len() <= MAX_CODINGS).then_some(codings)
    }
}

type Chunks = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A response body: as it came, or decoded.
///
/// Only the body is kept, never the whole response: hyper's header values
/// are slices of its first read buffer, so a response kept for as long as
/// its body is open would hold that buffer (8 KiB) for as long too, which
/// is most of what an idle stream costs beyond the connection itself.
pub(crate) enum Body {
    Raw(reqwest::Body),
    Decoded(Chunks),
}

impl Body {
    /// The body of `response`, with `codings` (as [`Coding::of`] gives
    /// them) undone, last applied first.
    pub(crate) fn new(response: reqwest::Response, codings: Option<Vec<Coding>>) -> Body {
        let body = http::Response::from(response).into_body();
        let Some(codings) = codings else {
            return Body::Raw(body);
        };
        let raw: Chunks = stream::unfold(body, |mut body| async move {
            let data = next_data(&mut body).await.transpose()?;
            Some((data.map_err(io::Error::other), body))
        })
        .boxed();
        Body::Decoded(codings.into_iter().rev().fold(raw, decoded))
    }

    /// The next chunk, `None` at the end. Cancel-safe: a call dropped
    /// before it completes takes nothing.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        match self {
            Body::Raw(body) => next_data(body)
                .await
                .map_err(|e| error::from_reqwest(e, Phase::Body)),
            Body::Decoded(chunks) => chunks.next().await.transpose().map_err(from_io),
        }
    }
}

/// The next data frame's bytes (trailers are skipped), `None` at the end.
/// Cancel-safe: only a frame already returned by a poll is taken.
async fn next_data(body: &mut reqwest::Body) -> Result<Option<Bytes>, reqwest::Error> {
    loop {
        let frame = future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await;
        match frame {
            None => return Ok(None),
            Some(Err(e)) => return Err(e),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// `input` with `coding` undone. The first input chunk decides two things
/// before any decoder runs: an empty body stays empty (a 200 with
/// `Content-Encoding: gzip` and no bytes is not corrupt), and "deflate" is
/// zlib-wrapped, as RFC 9110 says, or raw deflate, as some servers send it.
fn decoded(mut input: Chunks, coding: Coding) -> Chunks {
    // The future lives inside the stream, so `next()` stays cancel-safe.
    let start = async move {
        let first = match input.next().await {
            None => return stream::empty().boxed(),
            Some(Err(e)) => return stream::once(future::ready(Err(e))).boxed(),
            Some(Ok(first)) => first,
        };
        let zlib = is_zlib_header(&first);
        let reader = StreamReader::new(stream::once(future::ready(Ok(first))).chain(input));
        match coding {
            Coding::Gzip => {
                let mut decoder = GzipDecoder::new(reader);
                // Concatenated gzip members are one body, as zlib reads them.
                decoder.multiple_members(true);
                chunks(decoder)
            }
            Coding::Deflate if zlib => chunks(ZlibDecoder::new(reader)),
            Coding::Deflate => chunks(DeflateDecoder::new(reader)),
            Coding::Brotli => chunks(BrotliDecoder::new(reader)),
            Coding::Zstd => chunks(ZstdDecoder::new(reader)),
        }
    };
    stream::once(start).flatten().boxed()
}

fn chunks(decoder: impl AsyncRead + Send + 'static) -> Chunks {
    ReaderStream::with_capacity(decoder, DECODED_CHUNK).boxed()
}

/// RFC 1950: a zlib stream starts with CMF (compression method 8) and FLG,
/// together a multiple of 31.
fn is_zlib_header(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        [cmf] => cmf & 0x0f == 8,
        [] => false,
    }
}

/// A transport failure comes back wrapped in the reader's io::Error and
/// keeps its own code; anything else is the decoder's: a corrupt or
/// truncated compressed body.
fn from_io(err: io::Error) -> Error {
    if err
        .get_ref()
        .is_some_and(|inner| inner.is::<reqwest::Error>())
    {
        if let Some(Ok(inner)) = err.into_inner().map(|e| e.downcast::<reqwest::Error>()) {
            return error::from_reqwest(*inner, Phase::Body);
        }
        return error::internal("a body error lost its cause");
    }
    network(
        codes::DECODE,
        format!("the compressed body could not be decoded: {err}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(CONTENT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn known_codings_are_undone_anything_else_passes_through() {
        use Coding::*;
        assert_eq!(Coding::of(&headers(&["gzip"])), Some(vec![Gzip]));
        assert_eq!(Coding::of(&headers(&[" X-GZIP "])), Some(vec![Gzip]));
        assert_eq!(Coding::of(&headers(&["deflate"])), Some(vec![Deflate]));
        assert_eq!(Coding::of(&headers(&["BR"])), Some(vec![Brotli]));
        assert_eq!(Coding::of(&headers(&["zstd"])), Some(vec![Zstd]));
        assert_eq!(
            Coding::of(&headers(&["gzip, br"])),
            Some(vec![Gzip, Brotli])
        );
        assert_eq!(
            Coding::of(&headers(&["gzip", "br"])),
            Some(vec![Gzip, Brotli])
        );
        assert_eq!(Coding::of(&headers(&[])), None);
        assert_eq!(Coding::of(&headers(&["identity"])), None);
        assert_eq!(Coding::of(&headers(&["gzip, compress"])), None);
        assert_eq!(
            Coding::of(&headers(&["gzip,gzip,gzip,gzip,gzip"])).map(|c| c.len()),
            Some(5)
        );
        assert_eq!(
            Coding::of(&headers(&["gzip,gzip,gzip,gzip,gzip,gzip"])),
            None
        );
    }

    #[test]
    fn zlib_headers_are_told_from_raw_deflate() {
        assert!(is_zlib_header(&[0x78, 0x9c]));
        assert!(is_zlib_header(&[0x78, 0x01]));
        assert!(is_zlib_header(&[0x78, 0xda]));
        // Raw deflate blocks: a final fixed block, a stored block.
        assert!(!is_zlib_header(&[0xcb, 0x48]));
        assert!(!is_zlib_header(&[0x01, 0x05]));
        assert!(!is_zlib_header(&[]));
    }
}
