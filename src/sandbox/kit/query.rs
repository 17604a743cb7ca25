//! Decoded query strings.
//!
//! Owns: [`Query`]: the parameters in order (the last of a repeated key wins on lookup) and
//! the same query with another `page`, for `next` links.
//! Must not: validate parameters (each simulator reports bad ones in its own error shape).

/// Decoded query parameters, in order.
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Query {
            pairs: raw
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The parameters, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The same parameters with `page` replaced.
    pub fn with_page(&self, page: usize) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if k != "page" {
                out.append_pair(k, v);
            }
        }
        out.append_pair("page", &page.to_string());
        out.finish()
    }
}
