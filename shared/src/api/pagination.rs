//! Pages: opaque cursors (base64url of a small JSON naming the last item of the previous
//! page), pages filled by count, and pages bounded by size.

use super::ApiError;
use super::request::json_len;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    /// The id of the last item already returned.
    after: String,
}

impl Cursor {
    pub fn after(id: impl std::fmt::Display) -> Self {
        Self {
            after: id.to_string(),
        }
    }

    /// The last id seen, parsed as the kind of id this list pages by; a cursor naming
    /// something else was not issued for this list.
    pub fn last_seen<T>(&self, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, ApiError> {
        parse(&self.after)
            .ok_or_else(|| ApiError::validation("cursor", "is not a cursor this service issued"))
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// A cursor this service did not issue is a `validation_error`, never a guess.
    pub fn decode(text: &str) -> Result<Self, ApiError> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| ApiError::validation("cursor", "is not a cursor this service issued"))
    }
}

/// `?limit=`: 1 to 100, default 50; anything else is refused, not clamped.
pub fn parse_limit(text: Option<&str>) -> Result<usize, ApiError> {
    match text {
        None => Ok(DEFAULT_LIMIT),
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::validation(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}"),
                )
            }),
    }
}

/// `?limit=` and `?cursor=` of a list paged by ids that `parse` reads; each problem is added
/// to `errors`, so that one answer names every bad parameter.
pub fn page_params<K>(
    query: &super::request::Query,
    parse: impl FnOnce(&str) -> Option<K>,
    errors: &mut Vec<crate::domain::FieldError>,
) -> (Option<usize>, Option<K>) {
    let mut note = |e: ApiError| {
        if let ApiError::Validation(mut more) = e {
            errors.append(&mut more);
        }
    };
    let limit = parse_limit(query.get("limit")).map_err(&mut note).ok();
    let cursor = match query
        .get("cursor")
        .map(|c| Cursor::decode(c).and_then(|c| c.last_seen(parse)))
    {
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => {
            note(e);
            None
        }
        None => None,
    };
    (limit, cursor)
}

/// A filtered list reads at most this many items for one page: past it, the page is
/// answered short, with a cursor after the last item read, so that no filter (a rare event
/// type, an event id) makes one request read without end.
pub const MAX_READ_PER_PAGE: usize = 5_000;

/// Fills one page of at most `limit` items that pass `keep`, reading the store with
/// `fetch(after, n)` (up to `n` items after the key `after`, in the list's order) in chunks:
/// small ones when nothing is filtered out, larger ones when a filter may skip many. Returns
/// the page and the key to go on after, if the list goes on (the last item of the page, or
/// the last one read when `MAX_READ_PER_PAGE` cut the page short).
pub async fn fill_page<T, K, Fetch, Fut>(
    mut after: Option<K>,
    limit: usize,
    filtered: bool,
    key: impl Fn(&T) -> K,
    keep: impl Fn(&T) -> bool,
    mut fetch: Fetch,
) -> Result<(Vec<T>, Option<K>), ApiError>
where
    Fetch: FnMut(Option<K>, usize) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, crate::store::StoreError>>,
{
    const FILTERED_CHUNK: usize = 100;
    let chunk = if filtered { FILTERED_CHUNK } else { limit + 1 };
    let mut page = Vec::new();
    let mut read = 0;
    loop {
        let batch = fetch(after.take(), chunk).await?;
        let exhausted = batch.len() < chunk;
        read += batch.len();
        for item in batch {
            after = Some(key(&item));
            if keep(&item) {
                if page.len() == limit {
                    let next = page.last().map(&key);
                    return Ok((page, next));
                }
                page.push(item);
            }
        }
        if exhausted {
            return Ok((page, None));
        }
        if filtered && read >= MAX_READ_PER_PAGE {
            return Ok((page, after));
        }
    }
}

#[derive(serde::Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

/// No answer is larger than this: API Gateway and Lambda return at most 6 MB.
pub const MAX_ANSWER_BYTES: usize = 5_000_000;

/// Room kept for a page's own members around its items (`{"data":[`, the cursor).
const PAGE_ENVELOPE_BYTES: usize = 1_024;

/// The page that `items` (as `view` shows them) make, stopped before the item that would take
/// the answer past `MAX_ANSWER_BYTES`: then the cursor names the last item kept, and `limit`
/// was the most items, not a promise. Otherwise the cursor is `next`, the list's own. The
/// first item is always kept, so paging goes on (an item is far below the bound).
pub fn bounded_page<I, V: serde::Serialize>(
    items: impl IntoIterator<Item = I>,
    next: Option<Cursor>,
    key: impl Fn(&I) -> Cursor,
    view: impl Fn(I) -> V,
) -> Page<V> {
    let mut data = Vec::new();
    let mut size = PAGE_ENVELOPE_BYTES;
    let mut last_kept = None;
    for item in items {
        let cursor = key(&item);
        let shown = view(item);
        // Its JSON and the comma before the next one.
        let item_size = json_len(&shown) + 1;
        if !data.is_empty() && size + item_size > MAX_ANSWER_BYTES {
            return Page {
                data,
                next_cursor: last_kept.map(|c: Cursor| c.encode()),
            };
        }
        size += item_size;
        data.push(shown);
        last_kept = Some(cursor);
    }
    Page {
        data,
        next_cursor: next.map(|c| c.encode()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_refused() {
        let id = crate::domain::WebhookId::new();
        let cursor = Cursor::after(id);
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert_eq!(
            cursor.last_seen(crate::domain::WebhookId::parse).unwrap(),
            id
        );
        for bad in ["", "abc", "eyJ4IjoxfQ"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
        let foreign = Cursor::decode(&URL_SAFE_NO_PAD.encode(b"{\"after\":\"nope\"}")).unwrap();
        assert!(foreign.last_seen(crate::domain::WebhookId::parse).is_err());
    }

    #[tokio::test]
    async fn a_filtered_page_stops_reading_at_its_cap_with_a_cursor_to_go_on() {
        let items: Vec<usize> = (0..20_000).collect();
        let fetch = |after: Option<usize>, n: usize| {
            let start = after.map_or(0, |a| a + 1);
            let batch: Vec<usize> = items.iter().copied().skip(start).take(n).collect();
            async move { Ok(batch) }
        };
        // Nothing passes the filter: the page is empty, and the cursor is past what was read.
        let (page, next) = fill_page(None, 10, true, |i| *i, |_| false, fetch)
            .await
            .unwrap();
        assert!(page.is_empty());
        assert_eq!(next, Some(MAX_READ_PER_PAGE - 1));
        // A full page: the cursor is its last item.
        let (page, next) = fill_page(None, 3, true, |i| *i, |i| i % 7 == 0, fetch)
            .await
            .unwrap();
        assert_eq!(page, vec![0, 7, 14]);
        assert_eq!(next, Some(14));
        // The end of the list: no cursor.
        let (page, next) = fill_page(Some(19_990), 50, false, |i| *i, |_| true, fetch)
            .await
            .unwrap();
        assert_eq!(page.len(), 9);
        assert_eq!(next, None);
    }

    #[test]
    fn a_page_stops_before_the_item_that_would_pass_five_megabytes() {
        let big = "x".repeat(100_000);
        let items: Vec<usize> = (0..100).collect();
        let page = bounded_page(
            items.iter(),
            Some(Cursor::after(99)),
            |i| Cursor::after(i),
            |i| (*i, big.as_str()),
        );
        let size = serde_json::to_vec(&page).unwrap().len();
        assert!(size <= MAX_ANSWER_BYTES, "{size}");
        let kept = page.data.len();
        assert!((40..100).contains(&kept), "{kept}");
        let next = Cursor::decode(&page.next_cursor.unwrap()).unwrap();
        assert_eq!(next, Cursor::after(kept - 1));

        // Small items: the list's own cursor, or none at its end.
        let page = bounded_page(items.iter(), None, |i| Cursor::after(i), |i| *i);
        assert_eq!(page.data.len(), 100);
        assert_eq!(page.next_cursor, None);
    }

    #[test]
    fn limits_outside_one_to_a_hundred_are_refused() {
        assert_eq!(parse_limit(None).unwrap(), 50);
        assert_eq!(parse_limit(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert!(parse_limit(Some(bad)).is_err(), "{bad}");
        }
    }
}
