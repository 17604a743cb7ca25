//! Who may act besides the configured agent: the operators file named by
//! `HELPDESK_OPERATOR_AGENTS`.
//!
//! ```toml
//! [[operator]]                 # a person who may approve or deny confirmations
//! name = "pat"
//! password_hash = '$argon2id$v=19$m=19456,t=2,p=1$...$...'   # helpdesk-operator hash-password
//!
//! [[agent]]                    # for the HTTP transport: an agent and its bearer token
//! name = "triage-bot"          # the principal: sessions and audit rows are keyed by it
//! token_sha256 = "<hex sha256 of the bearer token>"   # helpdesk-operator agent-token NAME
//! django_helpdesk_username = "triage-bot"             # optional: its own django-helpdesk login
//! django_helpdesk_password_env = "TRIAGE_BOT_DH_PASSWORD"   # optional: env var with its password
//! ```
//!
//! Owns: parsing and validating that file (problems with `file:line`, unknown keys refused),
//! verifying an operator's password (argon2, constant-time comparison, and a dummy
//! verification for unknown names so timing does not tell which names exist) or an agent's
//! bearer token (its SHA-256 compared in constant time with every agent's: a token is random
//! and long, so a fast hash is enough and every request can afford it), hashing a new secret,
//! making a new agent token, and reading credentials from stdin or a terminal prompt.
//! Must not: keep, log, print or put in an error any password or token; take credentials from
//! command-line arguments.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, ErrorKind, Result};

/// The environment variable that names the operators file.
pub const ENV_VAR: &str = "HELPDESK_OPERATOR_AGENTS";

/// How to create the file, for messages that refuse because it is missing.
pub const HOW_TO: &str = "create an operators file and point HELPDESK_OPERATOR_AGENTS at it: \
run `helpdesk-operator hash-password` (it reads the password on stdin, or asks for it without \
echo on a terminal, and prints an argon2 hash), then write\n\
\x20 [[operator]]\n\
\x20 name = \"your-name\"\n\
\x20 password_hash = '<the printed $argon2id$... string>'\n\
into the file; keep it where agents cannot write";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default, rename = "operator")]
    operators: Vec<Spanned<OperatorDoc>>,
    #[serde(default, rename = "agent")]
    agents: Vec<Spanned<AgentDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorDoc {
    name: Spanned<String>,
    password_hash: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentDoc {
    name: Spanned<String>,
    token_sha256: Spanned<String>,
    #[serde(default)]
    django_helpdesk_username: Option<String>,
    #[serde(default)]
    django_helpdesk_password_env: Option<String>,
}

/// A person who may approve or deny confirmations.
#[derive(Clone)]
pub struct Operator {
    pub name: String,
    /// `file:line` of its entry.
    pub location: String,
    /// The PHC string, validated at load.
    password_hash: String,
}

/// An agent that will authenticate with a bearer token (HTTP transport).
#[derive(Clone)]
pub struct Agent {
    pub name: String,
    /// `file:line` of its entry.
    pub location: String,
    /// SHA-256 of its bearer token, 32 bytes.
    token_sha256: [u8; 32],
    /// Its own django-helpdesk login, if it has one: the username and the variable that holds
    /// the password.
    pub django_helpdesk_username: Option<String>,
    pub django_helpdesk_password_env: Option<String>,
}

impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator")
            .field("name", &self.name)
            .field("location", &self.location)
            .field("password_hash", &"[argon2 hash]")
            .finish()
    }
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("name", &self.name)
            .field("location", &self.location)
            .field("token_sha256", &"[sha256]")
            .finish()
    }
}

impl Operator {
    /// SHA-256 (hex) of this operator's PHC string: names the credential that was used in the
    /// audit log without revealing anything about the password, so a server can later check
    /// that an approval was made with an entry of its own operators file.
    pub fn credential_sha256(&self) -> String {
        use sha2::Digest;
        let d = sha2::Sha256::digest(self.password_hash.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The operators and agents of one file.
#[derive(Debug, Clone)]
pub struct Principals {
    /// The file they were read from, for messages.
    pub source: String,
    operators: Vec<Operator>,
    agents: Vec<Agent>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |t| t.matches('\n').count() + 1)
}

/// Names go into the audit log as `operator:NAME`: short, and nothing that could be confused.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.len() > 64 {
        Some("is longer than 64 characters")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        Some("may contain only letters, digits, '.', '_', '-' and '@'")
    } else {
        None
    }
}

/// Why a PHC string is not a usable argon2 hash, without ever repeating the string (someone may
/// have pasted a plain password there).
fn hash_problem(phc: &str) -> Option<String> {
    let parsed = match PasswordHash::new(phc) {
        Ok(p) => p,
        Err(e) => return Some(format!("is not a PHC string ({e})")),
    };
    if !matches!(
        parsed.algorithm.as_str(),
        "argon2id" | "argon2i" | "argon2d"
    ) {
        return Some(format!(
            "is a {} hash, not argon2 (argon2id is recommended)",
            parsed.algorithm.as_str()
        ));
    }
    if let Err(e) = Params::try_from(&parsed) {
        return Some(format!("has unusable argon2 parameters ({e})"));
    }
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Some("has no salt or no hash output".into());
    }
    None
}

impl Principals {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let label = path.display().to_string();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(m) = std::fs::metadata(path)
                && m.permissions().mode() & 0o002 != 0
            {
                return Err(Error::config(format!(
                    "{ENV_VAR}={label}: the file is writable by every user, so anyone could add an operator; chmod o-w it"
                )));
            }
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("{ENV_VAR}={label}: cannot read: {e}")))?;
        Self::parse(&label, &text)
    }

    /// Parses and validates one file's text; `file` names it in messages.
    pub fn parse(file: &str, text: &str) -> Result<Self> {
        let invalid = |problems: Vec<String>| {
            Error::config(format!(
                "invalid operators file ({ENV_VAR}):\n{}",
                problems.join("\n")
            ))
        };
        let doc: FileDoc = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            invalid(vec![format!("{file}:{line}: {}", e.message().trim())])
        })?;
        let at = |offset: usize| format!("{file}:{}", line_of(text, offset));
        let mut problems: Vec<(usize, String)> = Vec::new();
        let mut operators: Vec<Operator> = Vec::new();
        for entry in &doc.operators {
            let o = entry.get_ref();
            let name = o.name.get_ref().trim().to_string();
            if let Some(p) = name_problem(&name) {
                problems.push((
                    o.name.span().start,
                    format!("{}: operator name {p}", at(o.name.span().start)),
                ));
            } else if let Some(first) = operators.iter().find(|x| x.name == name) {
                problems.push((
                    o.name.span().start,
                    format!(
                        "{}: operator \"{name}\" is already listed at {}",
                        at(o.name.span().start),
                        first.location
                    ),
                ));
            }
            if let Some(p) = hash_problem(o.password_hash.get_ref()) {
                problems.push((
                    o.password_hash.span().start,
                    format!(
                        "{}: password_hash {p}; make one with `helpdesk-operator hash-password`",
                        at(o.password_hash.span().start)
                    ),
                ));
            }
            operators.push(Operator {
                name,
                location: at(entry.span().start),
                password_hash: o.password_hash.get_ref().clone(),
            });
        }
        let mut agents: Vec<Agent> = Vec::new();
        for entry in &doc.agents {
            let a = entry.get_ref();
            let name = a.name.get_ref().trim().to_string();
            if let Some(p) = name_problem(&name) {
                problems.push((
                    a.name.span().start,
                    format!("{}: agent name {p}", at(a.name.span().start)),
                ));
            } else if let Some(first) = agents.iter().find(|x| x.name == name) {
                problems.push((
                    a.name.span().start,
                    format!(
                        "{}: agent \"{name}\" is already listed at {}",
                        at(a.name.span().start),
                        first.location
                    ),
                ));
            }
            let sha = parse_sha256(a.token_sha256.get_ref());
            if sha.is_none() {
                problems.push((
                    a.token_sha256.span().start,
                    format!(
                        "{}: token_sha256 is not 64 hex digits; `helpdesk-operator agent-token \
                         NAME` prints a new token and the line to paste",
                        at(a.token_sha256.span().start)
                    ),
                ));
            }
            if a.django_helpdesk_username.is_some() != a.django_helpdesk_password_env.is_some() {
                problems.push((
                    entry.span().start,
                    format!(
                        "{}: give django_helpdesk_username and django_helpdesk_password_env \
                         together (or neither)",
                        at(entry.span().start)
                    ),
                ));
            }
            agents.push(Agent {
                name,
                location: at(entry.span().start),
                token_sha256: sha.unwrap_or_default(),
                django_helpdesk_username: a.django_helpdesk_username.clone(),
                django_helpdesk_password_env: a.django_helpdesk_password_env.clone(),
            });
        }
        if !problems.is_empty() {
            problems.sort_by_key(|(offset, _)| *offset);
            return Err(invalid(problems.into_iter().map(|(_, p)| p).collect()));
        }
        Ok(Self {
            source: file.to_string(),
            operators,
            agents,
        })
    }

    /// The file named by `HELPDESK_OPERATOR_AGENTS`, for deciding confirmations: refuses, with
    /// how to set one up, when none is configured or it lists no operator.
    pub fn for_decisions(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            return Err(Error::config(format!(
                "approving or denying needs an operator's name and password, and {ENV_VAR} names no operators file; {HOW_TO}"
            )));
        };
        let p = Self::load(path)?;
        if p.operators.is_empty() {
            return Err(Error::config(format!(
                "{}: lists no [[operator]], so nobody can approve or deny; {HOW_TO}",
                p.source
            )));
        }
        Ok(p)
    }

    pub fn operators(&self) -> &[Operator] {
        &self.operators
    }

    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// Whether `name` is a configured operator (names are not secret: approvals are audited
    /// under them).
    pub fn is_operator(&self, name: &str) -> bool {
        self.operators.iter().any(|o| o.name == name)
    }

    /// The operator whose name and password these are, or None. An unknown name still costs
    /// one verification (against a configured hash, with the result thrown away), so the time
    /// taken does not tell which names exist.
    pub fn verify_operator(&self, name: &str, password: &SecretString) -> Option<&Operator> {
        let found = self.operators.iter().find(|o| o.name == name);
        let hash = match found {
            Some(o) => &o.password_hash,
            None => &self.operators.first()?.password_hash,
        };
        let ok = verify(password, hash);
        match found {
            Some(o) if ok => Some(o),
            _ => None,
        }
    }

    /// The agent whose bearer token this is, or None. Every agent's hash is compared, in
    /// constant time, so the time taken tells nothing about which one (if any) matched.
    pub fn agent_for_token(&self, token: &SecretString) -> Option<&Agent> {
        use sha2::Digest;
        let given: [u8; 32] = sha2::Sha256::digest(token.expose_secret().as_bytes()).into();
        let mut found = None;
        for a in &self.agents {
            let diff = a
                .token_sha256
                .iter()
                .zip(given.iter())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y));
            if diff == 0 && found.is_none() {
                found = Some(a);
            }
        }
        found
    }
}

impl Agent {
    /// The agent's own logins, as (backend, login): django-helpdesk's from
    /// `django_helpdesk_username` and the password in the variable
    /// `django_helpdesk_password_env` names (read now, through `get`). A variable that is
    /// unset or empty is a configuration error naming it.
    pub fn logins(
        &self,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<(&'static str, crate::session::Login)>> {
        let (Some(user), Some(var)) = (
            &self.django_helpdesk_username,
            &self.django_helpdesk_password_env,
        ) else {
            return Ok(Vec::new());
        };
        let password = get(var).filter(|p| !p.is_empty()).ok_or_else(|| {
            Error::config(format!(
                "{}: agent \"{}\" logs in to django-helpdesk as {user} with the password in \
                 {var}, and {var} is not set",
                self.location, self.name
            ))
        })?;
        let login = crate::session::Login {
            username: user.clone(),
            password: SecretString::from(password),
        };
        Ok(vec![("django_helpdesk", login)])
    }
}

/// 64 hex digits as 32 bytes.
fn parse_sha256(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A new random bearer token (43 characters of base64url, 256 bits) and its SHA-256 in hex,
/// for `helpdesk-operator agent-token NAME`.
pub fn new_agent_token() -> (SecretString, String) {
    use base64::Engine;
    use rand::RngCore;
    use sha2::Digest;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let sha: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (SecretString::from(token), sha)
}

/// argon2 verification with the parameters the PHC string carries; the crate compares the
/// outputs in constant time.
fn verify(secret: &SecretString, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(secret.expose_secret().as_bytes(), &parsed)
        .is_ok()
}

/// An argon2id PHC string for `secret`: default parameters, a random 16-byte salt from the OS.
pub fn hash_secret(secret: &SecretString) -> Result<String> {
    use rand::TryRngCore;
    let mut salt = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| Error::internal(format!("no randomness from the operating system: {e}")))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| Error::internal(format!("cannot encode the salt: {e}")))?;
    Argon2::default()
        .hash_password(secret.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("cannot hash: {e}")))
}

/// An operator's name and password as typed.
pub struct OperatorCredentials {
    pub name: String,
    pub password: SecretString,
}

impl std::fmt::Debug for OperatorCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorCredentials")
            .field("name", &self.name)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// Whether credentials will be asked for on a terminal (else read from stdin).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

fn strip_line_end(mut s: String) -> String {
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    s
}

fn missing(what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        format!(
            "no {what} was given: the operator's name and password are read from stdin (two lines: name, then password), or asked for when stdin is a terminal; never from arguments"
        ),
    )
}

fn read_line(input: &mut impl BufRead, what: &str) -> Result<String> {
    let mut line = String::new();
    let n = input.read_line(&mut line).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("cannot read the {what}: {e}"),
        )
    })?;
    if n == 0 {
        return Err(missing(what));
    }
    Ok(strip_line_end(line))
}

/// The operator's name and password: asked for on the terminal (the password without echo)
/// when stdin is one, else two lines of stdin.
pub fn read_operator_credentials() -> Result<OperatorCredentials> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let (name, password) = if interactive() {
        eprint!("operator name: ");
        let _ = std::io::stderr().flush();
        let name = read_line(&mut input, "operator name")?;
        let password = rpassword::prompt_password("password: ").map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("cannot read the password from the terminal: {e}"),
            )
        })?;
        (name, SecretString::from(password))
    } else {
        let name = read_line(&mut input, "operator name")?;
        let password = SecretString::from(read_line(&mut input, "password")?);
        (name, password)
    };
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(missing("operator name"));
    }
    if password.expose_secret().is_empty() {
        return Err(missing("password"));
    }
    Ok(OperatorCredentials { name, password })
}

/// A new secret for `hash-password`: asked for twice without echo on a terminal, else one line
/// of stdin. Empty is refused.
pub fn read_new_secret() -> Result<SecretString> {
    let secret = if interactive() {
        let prompt = |p: &str| {
            rpassword::prompt_password(p).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("cannot read the password from the terminal: {e}"),
                )
            })
        };
        let first = SecretString::from(prompt("new password: ")?);
        let again = SecretString::from(prompt("again: ")?);
        if first.expose_secret() != again.expose_secret() {
            return Err(Error::invalid(
                "password",
                "the two entries differ; nothing was printed",
            ));
        }
        first
    } else {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut line = String::new();
        input
            .read_line(&mut line)
            .map_err(|e| Error::new(ErrorKind::InvalidInput, format!("cannot read stdin: {e}")))?;
        SecretString::from(strip_line_end(line))
    };
    if secret.expose_secret().is_empty() {
        return Err(Error::invalid(
            "password",
            "is empty: give it on stdin (one line) or type it at the prompt",
        ));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap(secret: &str) -> String {
        let a = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            Params::new(256, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        a.hash_password(secret.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn operators_and_agents_verify() {
        let (tok, sha) = new_agent_token();
        let text = format!(
            "[[operator]]\nname = \"pat\"\npassword_hash = \"{}\"\n[[operator]]\nname = \"sam\"\npassword_hash = \"{}\"\n[[agent]]\nname = \"bot\"\ntoken_sha256 = \"{sha}\"\n",
            cheap("pw-pat"),
            cheap("pw-sam"),
        );
        let p = Principals::parse("ops.toml", &text).unwrap();
        assert_eq!(p.operators().len(), 2);
        assert_eq!(p.operators()[1].location, "ops.toml:4");
        assert_eq!(
            p.verify_operator("pat", &secret("pw-pat"))
                .map(|o| &o.name[..]),
            Some("pat")
        );
        assert!(p.verify_operator("pat", &secret("pw-sam")).is_none());
        assert!(p.verify_operator("nobody", &secret("pw-pat")).is_none());
        assert!(p.verify_operator("", &secret("")).is_none());
        assert_eq!(p.agent_for_token(&tok).map(|a| &a.name[..]), Some("bot"));
        assert!(p.agent_for_token(&secret("pw-pat")).is_none());
        assert!(
            p.agent_for_token(&secret(&sha)).is_none(),
            "the hash is not the token"
        );
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("$argon2") && !dbg.contains(&sha), "{dbg}");
        let (other, _) = new_agent_token();
        assert_ne!(tok.expose_secret(), other.expose_secret());
        assert!(tok.expose_secret().len() >= 43);
        let e = Principals::parse(
            "ops.toml",
            "[[agent]]\nname = \"bot\"\ntoken_sha256 = \"abc\"\n",
        )
        .unwrap_err();
        assert!(
            e.message.contains("ops.toml:3") && e.message.contains("agent-token"),
            "{e}"
        );
    }

    #[test]
    fn problems_name_file_and_line_and_never_the_value() {
        let e = Principals::parse(
            "ops.toml",
            "[[operator]]\nname = \"pat\"\npassword_hash = \"hunter2\"\n",
        )
        .unwrap_err();
        assert!(e.message.contains("ops.toml:3"), "{e}");
        assert!(!e.message.contains("hunter2"), "{e}");
        let e = Principals::parse("ops.toml", "[[operators]]\nname = \"pat\"\n").unwrap_err();
        assert!(e.message.contains("ops.toml:1"), "{e}");
        let e = Principals::parse(
            "ops.toml",
            &format!(
                "[[operator]]\nname = \"pat smith\"\npassword_hash = \"{}\"\n",
                cheap("x")
            ),
        )
        .unwrap_err();
        assert!(
            e.message.contains("ops.toml:2") && e.message.contains("letters"),
            "{e}"
        );
    }

    #[test]
    fn hash_secret_makes_argon2id_with_default_parameters() {
        let h = hash_secret(&secret("correct horse")).unwrap();
        let parsed = PasswordHash::new(&h).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        let default = Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
        assert!(verify(&secret("correct horse"), &h));
        assert!(!verify(&secret("correct hors"), &h));
        assert_ne!(h, hash_secret(&secret("correct horse")).unwrap());
    }

    #[test]
    fn line_endings_are_stripped_but_spaces_kept() {
        assert_eq!(strip_line_end("pw \r\n".into()), "pw ");
        assert_eq!(strip_line_end("pw\n".into()), "pw");
        assert_eq!(strip_line_end("pw".into()), "pw");
    }
}
