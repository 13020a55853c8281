//! Request routing. Query strings are parsed by hand: the routes take a few
//! numeric parameters and the server should not pull in a URL crate.

use std::convert::Infallible;

use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::body::ResBody;

/// Default frame size for `/bytes`.
const DEFAULT_CHUNK: usize = 64 * 1024;

pub async fn handle(req: Request<Incoming>) -> Result<Response<ResBody>, Infallible> {
    let path = req.uri().path();
    let query = req.uri().query().unwrap_or("");
    let res = match (req.method(), path) {
        (&Method::GET, "/small") => ok("text/plain", ResBody::full("hello world\n")),
        // Lets a benchmark prove which protocol it measures ("HTTP/2.0", ...).
        (&Method::GET, "/version") => {
            ok("text/plain", ResBody::full(format!("{:?}", req.version())))
        }
        (&Method::GET, "/bytes") => match (param(query, "size"), param(query, "chunk")) {
            (Ok(Some(size)), Ok(chunk)) => {
                let chunk = chunk.map_or(DEFAULT_CHUNK, |c| c as usize);
                ok("application/octet-stream", ResBody::payload(size, chunk))
            }
            _ => status(
                StatusCode::BAD_REQUEST,
                "size=N required, N and chunk numeric\n",
            ),
        },
        (&Method::GET, "/sse") => match param(query, "events") {
            Ok(events) => sse(ResBody::Sse {
                next: 0,
                total: events.unwrap_or(100),
            }),
            Err(()) => status(StatusCode::BAD_REQUEST, "events must be numeric\n"),
        },
        (&Method::GET, "/sse-idle") => sse(ResBody::Idle { sent: false }),
        // One small event every `every` ms (default 250), `events` in all
        // (default: practically endless), the first at once.
        (&Method::GET, "/sse-tick") => match (param(query, "every"), param(query, "events")) {
            (Ok(every), Ok(events)) => sse(ResBody::Tick(Box::new(crate::body::Tick {
                left: events.unwrap_or(u64::MAX),
                every: std::time::Duration::from_millis(every.unwrap_or(250).max(1)),
                next: 0,
                timer: None,
            }))),
            _ => status(
                StatusCode::BAD_REQUEST,
                "every and events must be numeric\n",
            ),
        },
        (_, "/upload") => upload(req.into_body()).await,
        _ => status(StatusCode::NOT_FOUND, "not found\n"),
    };
    Ok(res)
}

/// Counts the request body without keeping it, so uploads of any size use
/// constant memory. A body that errors mid-way gets a 400.
async fn upload(mut body: Incoming) -> Response<ResBody> {
    let mut total: u64 = 0;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => total += frame.data_ref().map_or(0, |d| d.len() as u64),
            Err(_) => return status(StatusCode::BAD_REQUEST, "body error\n"),
        }
    }
    ok(
        "application/json",
        ResBody::full(format!("{{\"bytes\":{total}}}")),
    )
}

fn ok(content_type: &'static str, body: ResBody) -> Response<ResBody> {
    let mut res = Response::new(body);
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn sse(body: ResBody) -> Response<ResBody> {
    let mut res = ok("text/event-stream", body);
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

fn status(code: StatusCode, msg: &'static str) -> Response<ResBody> {
    let mut res = ok("text/plain", ResBody::full(msg));
    *res.status_mut() = code;
    res
}

/// Looks up `key` in an `a=1&b=2` query. `Ok(None)` when absent, `Err` when
/// present but not a plain decimal number.
fn param(query: &str, key: &str) -> Result<Option<u64>, ()> {
    let value = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v);
    match value {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::param;

    #[test]
    fn parses_query_params() {
        assert_eq!(param("size=10&chunk=3", "chunk"), Ok(Some(3)));
        assert_eq!(param("size=10", "chunk"), Ok(None));
        assert_eq!(param("", "size"), Ok(None));
        assert_eq!(param("size=abc", "size"), Err(()));
        assert_eq!(param("sizex=1&size=2", "size"), Ok(Some(2)));
    }
}
