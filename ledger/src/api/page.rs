//! The auditor's page: `index.html`, `app.js` and `style.css` are compiled into the node
//! (`include_str!`, no build step), and `/vendor/snarkjs.min.js` serves the browser bundle
//! of the pinned snarkjs (tests/js/package.json and package-lock.json) from the
//! `node_modules` that `npm ci` installed (`scripts/install_snarkjs.sh`), or from the
//! file `ZKPOT_SNARKJS` names. Without it the page still shows the ledger and says why
//! it cannot verify in the browser.

use super::ApiState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use std::sync::Arc;

const INDEX_HTML: &str = include_str!("web/index.html");
const APP_JS: &str = include_str!("web/app.js");
const STYLE_CSS: &str = include_str!("web/style.css");

/// The snarkjs bundle's path: `$ZKPOT_SNARKJS`, else the pinned package installed in
/// this source tree's `tests/js/node_modules`.
pub fn default_snarkjs_path() -> PathBuf {
    match std::env::var_os("ZKPOT_SNARKJS") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/js/node_modules/snarkjs/build/snarkjs.min.js")),
    }
}

fn typed(mime: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, mime)], body).into_response()
}

/// `/`.
pub async fn index() -> Response {
    typed("text/html; charset=utf-8", INDEX_HTML)
}

/// `/app.js`.
pub async fn app_js() -> Response {
    typed("text/javascript; charset=utf-8", APP_JS)
}

/// `/style.css`.
pub async fn style_css() -> Response {
    typed("text/css; charset=utf-8", STYLE_CSS)
}

/// `/vendor/snarkjs.min.js`, or (status 200, so that the browser runs it) a one-line script
/// that tells the page why snarkjs is missing.
pub async fn snarkjs(State(s): State<Arc<ApiState>>) -> Response {
    match tokio::fs::read(&s.snarkjs).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], bytes).into_response(),
        Err(e) => {
            let why = format!(
                "snarkjs is not installed on this node ({}: {e}); run scripts/install_snarkjs.sh (npm ci of the pinned snarkjs in tests/js) or set ZKPOT_SNARKJS",
                s.snarkjs.display()
            );
            let body = format!("window.SNARKJS_MISSING = {};", serde_json::Value::String(why));
            ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], body).into_response()
        }
    }
}
