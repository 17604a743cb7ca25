//! DRF's authentication classes in order: Session (with CSRF on unsafe methods), Basic, Token,
//! with the messages DRF 3.18 gives.
//!
//! Must not: check permissions (that is [`super::drf`]) or create sessions.

use base64::Engine as _;

use super::super::csrf_check::csrf_protect;
use super::super::http::Cx;
use super::super::state::Db;

/// DRF's authentication classes in order: Session (CSRF on unsafe methods), Basic, Token.
/// `Err` is the `detail` of a 403.
pub(in super::super) fn authenticate(db: &Db, cx: &Cx) -> Result<Option<u64>, String> {
    if let Some(uid) = cx.session_user(db) {
        csrf_protect(cx).map_err(|r| format!("CSRF Failed: {r}"))?;
        return Ok(Some(uid));
    }
    let Some(header) = cx.headers.get("authorization") else {
        return Ok(None);
    };
    let raw = header.as_bytes();
    let parts: Vec<&[u8]> = raw
        .split(|b| b.is_ascii_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let Some(keyword) = parts.first() else {
        return Ok(None);
    };
    let inactive = "User inactive or deleted.".to_string();
    if keyword.eq_ignore_ascii_case(b"basic") {
        if parts.len() == 1 {
            return Err("Invalid basic header. No credentials provided.".into());
        }
        if parts.len() > 2 {
            return Err(
                "Invalid basic header. Credentials string should not contain spaces.".into(),
            );
        }
        let badly_encoded =
            || "Invalid basic header. Credentials not correctly base64 encoded.".to_string();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(parts[1])
            .map_err(|_| badly_encoded())?;
        let text = match String::from_utf8(decoded.clone()) {
            Ok(s) => s,
            Err(_) => decoded.iter().map(|b| *b as char).collect(),
        };
        let (username, password) = text.split_once(':').ok_or_else(badly_encoded)?;
        return match db
            .users
            .iter()
            .find(|u| u.username == username && u.password == password)
        {
            Some(u) if u.active => Ok(Some(u.id)),
            Some(_) => Err(inactive),
            None => Err("Invalid username/password.".into()),
        };
    }
    if keyword.eq_ignore_ascii_case(b"token") {
        if parts.len() == 1 {
            return Err("Invalid token header. No credentials provided.".into());
        }
        if parts.len() > 2 {
            return Err("Invalid token header. Token string should not contain spaces.".into());
        }
        let key = std::str::from_utf8(parts[1]).map_err(|_| {
            "Invalid token header. Token string should not contain invalid characters.".to_string()
        })?;
        return match db.tokens.get(key).and_then(|uid| db.user(*uid)) {
            Some(u) if u.active => Ok(Some(u.id)),
            Some(_) => Err(inactive),
            None => Err("Invalid token.".into()),
        };
    }
    Ok(None)
}
