//! Django's `MultiPartParser`, minimal: the text fields and the uploaded files of a
//! `multipart/form-data` body, for `request.POST` and DRF's `MultiPartParser` alike.
//!
//! Must not: panic on any body (a malformed one is `None`), or look at anything but the
//! content type and the bytes.

/// An uploaded file of a multipart body.
#[derive(Debug, Clone)]
pub(super) struct Upload {
    pub(super) field: String,
    pub(super) filename: String,
    pub(super) content_type: String,
    pub(super) data: Vec<u8>,
}

/// Text fields of a form, in order.
type FormFields = Vec<(String, String)>;

/// A minimal `multipart/form-data` reader: text fields and files.
pub(super) fn parse_multipart(
    content_type: &str,
    body: &[u8],
) -> Option<(FormFields, Vec<Upload>)> {
    let boundary = content_type.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
    })?;
    if boundary.is_empty() {
        return None;
    }
    let delim = format!("--{boundary}").into_bytes();
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut chunks = split_bytes(body, &delim).into_iter();
    chunks.next()?; // preamble
    for chunk in chunks {
        if chunk.starts_with(b"--") {
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let split = find_bytes(chunk, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&chunk[..split]).into_owned();
        let content = chunk[split + 4..].to_vec();
        let mut name = None;
        let mut filename = None;
        let mut ctype = String::new();
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for p in v.split(';') {
                    if let Some((pk, pv)) = p.trim().split_once('=') {
                        let pv = pv.trim().trim_matches('"').to_string();
                        match pk.trim() {
                            "name" => name = Some(pv),
                            "filename" => filename = Some(pv),
                            _ => {}
                        }
                    }
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                ctype = v.trim().to_string();
            }
        }
        let name = name?;
        match filename {
            Some(f) => files.push(Upload {
                field: name,
                filename: f,
                content_type: ctype,
                data: content,
            }),
            None => fields.push((name, String::from_utf8_lossy(&content).into_owned())),
        }
    }
    Some((fields, files))
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(hay: &'a [u8], delim: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = hay;
    while let Some(i) = find_bytes(rest, delim) {
        out.push(&rest[..i]);
        rest = &rest[i + delim.len()..];
    }
    out.push(rest);
    out
}
