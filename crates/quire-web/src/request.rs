//! Reading what a reader's request asks for, strictly: the path decoded as UTF-8 within a length
//! limit, and the few query parameters public pages understand.

use quire_app::reading::ReaderQuery;

/// Longest path accepted (bytes, as sent).
pub const MAX_PATH_BYTES: usize = 2048;
/// Longest query string accepted (bytes, as sent).
pub const MAX_QUERY_BYTES: usize = 2048;
/// Largest page number accepted.
pub const MAX_PAGE: u32 = 100_000;

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
pub fn percent_decode(input: &str, plus_is_space: bool) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = input.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The decoded path of a request, or the reason it cannot be served.
pub fn decode_path(raw: &str) -> Result<String, &'static str> {
    if raw.len() > MAX_PATH_BYTES {
        return Err("The requested path is too long.");
    }
    let path =
        percent_decode(raw, false).ok_or("The requested path is not valid UTF-8 or has a malformed %-escape.")?;
    if path.contains('\0') {
        return Err("The requested path contains a NUL character.");
    }
    Ok(path)
}

/// The reader's query parameters, or the reason they cannot be understood.
pub fn decode_query(raw: Option<&str>) -> Result<ReaderQuery, String> {
    let mut query = ReaderQuery::default();
    let Some(raw) = raw.filter(|r| !r.is_empty()) else { return Ok(query) };
    if raw.len() > MAX_QUERY_BYTES {
        return Err("The query string is too long.".into());
    }
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key =
            percent_decode(key, true).ok_or("The query string is not valid UTF-8 or has a malformed %-escape.")?;
        let value =
            percent_decode(value, true).ok_or("The query string is not valid UTF-8 or has a malformed %-escape.")?;
        match key.as_str() {
            "q" | "s" => query.search = Some(value),
            "page" | "paged" => {
                let page =
                    value.parse::<u32>().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| {
                        format!("The page number {value:?} is not a whole number from 1 to {MAX_PAGE}.")
                    })?;
                query.page = Some(page);
            }
            "replytocom" => {
                let id = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("The comment number {value:?} is not a positive whole number."))?;
                query.reply_to = Some(id);
            }
            "p" | "page_id" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                query.old_address = Some(format!("{key}={value}"));
            }
            _ => {}
        }
    }
    Ok(query)
}

/// The cache key of a public request: its path and only the parameters that change the page.
pub fn cache_key(path: &str, query: &ReaderQuery) -> String {
    let mut key = path.to_string();
    if let Some(q) = &query.search {
        key.push_str("?q=");
        key.push_str(&url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>());
    }
    if let Some(page) = query.page {
        key.push_str(&format!("&page={page}"));
    }
    if let Some(id) = query.reply_to {
        key.push_str(&format!("&replytocom={id}"));
    }
    if let Some(old) = &query.old_address {
        key.push('&');
        key.push_str(old);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_decode_or_explain_themselves() {
        assert_eq!(decode_path("/tag/caf%C3%A9/"), Ok("/tag/café/".to_string()));
        assert!(decode_path("/%FF/").is_err());
        assert!(decode_path("/%G1/").is_err());
        assert!(decode_path("/%4").is_err());
        assert!(decode_path(&"/a".repeat(2000)).is_err());
    }

    #[test]
    fn queries_keep_what_pages_use_and_refuse_nonsense() {
        let q = decode_query(Some("s=never+let&utm_source=x&page=2"));
        assert_eq!(q, Ok(ReaderQuery { search: Some("never let".into()), page: Some(2), ..Default::default() }));
        let old = decode_query(Some("p=19")).unwrap_or_default();
        assert_eq!(old.old_address.as_deref(), Some("p=19"));
        assert_eq!(cache_key("/", &old), "/&p=19");
        assert_eq!(decode_query(Some("page_id=x")).map(|q| q.old_address), Ok(None));
        assert!(decode_query(Some("page=0")).is_err());
        assert!(decode_query(Some("page=abc")).is_err());
        assert!(decode_query(Some("q=%FF")).is_err());
    }
}
