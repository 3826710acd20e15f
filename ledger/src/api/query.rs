//! Query-string parsing for the read API: every parameter is named and checked, and a bad
//! one is a JSON error naming it (never a panic, never a silently ignored typo).
//! Pages are bounded: `limit` defaults to [`DEFAULT_LIMIT`] and may not exceed [`MAX_LIMIT`].

use super::ApiError;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Items per page when the query names no `limit`.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest `limit` a query may ask for.
pub const MAX_LIMIT: usize = 200;
/// Longest query string accepted, bytes.
pub const MAX_QUERY_BYTES: usize = 1024;

/// The parameters of one query string, each allowed name at most once.
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Parses `raw` (`a=1&b=2`), refusing names not in `allowed`, repeated names, and
    /// values that are not plain ASCII.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Self, ApiError> {
        let mut out = BTreeMap::new();
        let raw = raw.unwrap_or("");
        if raw.len() > MAX_QUERY_BYTES {
            return Err(ApiError::bad(format!("the query string is {} bytes, at most {MAX_QUERY_BYTES} are accepted", raw.len())));
        }
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if !allowed.contains(&k) {
                return Err(ApiError::bad(format!(
                    "unknown query parameter {:?}; this endpoint takes {}",
                    clip(k),
                    if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") }
                )));
            }
            if !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                return Err(ApiError::bad(format!("query parameter {k}: {:?} is not a plain value", clip(v))));
            }
            if out.insert(k.to_string(), v.to_string()).is_some() {
                return Err(ApiError::bad(format!("query parameter {k} is given twice")));
            }
        }
        Ok(Self(out))
    }

    /// A non-negative integer parameter.
    pub fn u64(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.0
            .get(name)
            .map(|v| v.parse::<u64>().map_err(|_| ApiError::bad(format!("query parameter {name}: {:?} is not a non-negative integer", clip(v)))))
            .transpose()
    }

    /// `offset` and `limit` (bounded).
    pub fn page(&self) -> Result<Page, ApiError> {
        let offset = self.u64("offset")?.unwrap_or(0);
        let limit = self.u64("limit")?.unwrap_or(DEFAULT_LIMIT as u64);
        if limit == 0 || limit > MAX_LIMIT as u64 {
            return Err(ApiError::bad(format!("query parameter limit: {limit} is outside 1..={MAX_LIMIT}")));
        }
        Ok(Page { offset: usize::try_from(offset).unwrap_or(usize::MAX), limit: limit as usize })
    }
}

/// One page of a list.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

impl Page {
    /// The page of `ids` (a full list of keys, cheap to hold), each turned into JSON by `f`
    /// (which may skip an id), with the total and the next offset.
    pub fn of<T>(&self, ids: &[T], f: impl FnMut(&T) -> Option<Value>) -> Value {
        let items: Vec<Value> = ids.iter().skip(self.offset).take(self.limit).filter_map(f).collect();
        let end = self.offset.saturating_add(self.limit);
        json!({
            "items": items,
            "total": ids.len(),
            "offset": self.offset,
            "limit": self.limit,
            "next_offset": if end < ids.len() { Some(end) } else { None },
        })
    }
}

/// At most 64 characters of user input, for error messages.
pub fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_queries_are_named() {
        let e = |r: Result<Params, ApiError>| r.err().map(|e| e.message).unwrap_or_default();
        assert!(e(Params::parse(Some("lmit=3"), &["limit"])).contains("unknown query parameter \"lmit\""));
        assert!(e(Params::parse(Some("limit=1&limit=2"), &["limit"])).contains("given twice"));
        assert!(e(Params::parse(Some("limit=%3Cscript%3E"), &["limit"])).contains("not a plain value"));
        let p = Params::parse(Some("limit=x"), &["limit"]).unwrap();
        assert!(p.page().unwrap_err().message.contains("not a non-negative integer"));
        let p = Params::parse(Some("limit=201"), &["limit"]).unwrap();
        assert!(p.page().unwrap_err().message.contains("outside 1..=200"));
        let p = Params::parse(Some("limit=0"), &["limit"]).unwrap();
        assert!(p.page().is_err());
        let p = Params::parse(Some("offset=99999999999999999999"), &["offset"]).unwrap();
        assert!(p.page().is_err());
        assert!(e(Params::parse(Some(&"a".repeat(2000)), &[])).contains("bytes"));
    }

    #[test]
    fn pages_are_bounded() {
        let ids: Vec<u64> = (0..7).collect();
        let p = Page { offset: 5, limit: 3 }.of(&ids, |i| Some(json!(i)));
        assert_eq!(p["items"], json!([5, 6]));
        assert_eq!(p["total"], 7);
        assert!(p["next_offset"].is_null());
        let p = Page { offset: 0, limit: 3 }.of(&ids, |i| Some(json!(i)));
        assert_eq!(p["next_offset"], 3);
        let p = Page { offset: usize::MAX, limit: 3 }.of(&ids, |i| Some(json!(i)));
        assert_eq!(p["items"], json!([]));
    }
}
