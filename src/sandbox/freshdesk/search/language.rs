//! The search query language: `field:value AND (field:>value OR field:null)`, tokenized,
//! parsed against a schema of field kinds, and evaluated on one record at a time.
//!
//! Owns: the grammar (OR of ANDs, parentheses, `:`, `:>`, `:<`, quoted strings, numbers,
//! dates, booleans, `null`), its error messages, and matching (strings case-insensitively).
//! Must not: know any record type: callers give the schema and each field's value.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Int,
    Str,
    StrList,
    Date,
    Bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cmp {
    Eq,
    Ge,
    Le,
}

#[derive(Clone, Debug)]
pub enum Lit {
    Int(i64),
    Str(String),
    Date(NaiveDate),
    Bool(bool),
    Null,
}

#[derive(Debug)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Cond { field: String, cmp: Cmp, lit: Lit },
}

/// A field's value on one record.
pub enum Val {
    Int(Option<i64>),
    Str(Option<String>),
    StrList(Vec<String>),
    Date(Option<DateTime<Utc>>),
    Bool(Option<bool>),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Colon,
    Gt,
    Lt,
    Word(String),
    Num(i64),
    Str(String),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ':' | '>' | '<' => {
                out.push(match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    ':' => Tok::Colon,
                    '>' => Tok::Gt,
                    _ => Tok::Lt,
                });
                i += 1;
            }
            '\'' => {
                let start = i + 1;
                let end = chars[start..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map(|p| start + p)
                    .ok_or_else(|| "a string is missing its closing quote".to_string())?;
                out.push(Tok::Str(chars[start..end].iter().collect()));
                i = end + 1;
            }
            '-' | '0'..='9' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n = text
                    .parse::<i64>()
                    .map_err(|_| format!("'{text}' is not a valid number"))?;
                out.push(Tok::Num(n));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character '{other}'")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    schema: &'a dyn Fn(&str) -> Option<Kind>,
}

impl Parser<'_> {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x == w)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_word("OR") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.atom()?;
        while self.peek_word("AND") {
            self.pos += 1;
            let right = self.atom()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::LParen) => {
                let e = self.or()?;
                match self.next() {
                    Some(Tok::RParen) => Ok(e),
                    _ => Err("a parenthesis is not closed".into()),
                }
            }
            Some(Tok::Word(field)) if field != "AND" && field != "OR" => self.cond(field),
            Some(t) => Err(format!("expected a field name, found {t:?}")),
            None => Err("the query ends where a condition was expected".into()),
        }
    }

    fn cond(&mut self, field: String) -> Result<Expr, String> {
        let kind =
            (self.schema)(&field).ok_or_else(|| format!("'{field}' is not a searchable field"))?;
        if self.next() != Some(Tok::Colon) {
            return Err(format!("expected ':' after '{field}'"));
        }
        let mut cmp = Cmp::Eq;
        if let Some(t @ (Tok::Gt | Tok::Lt)) = self.toks.get(self.pos) {
            cmp = if *t == Tok::Gt { Cmp::Ge } else { Cmp::Le };
            self.pos += 1;
        }
        let value = self
            .next()
            .ok_or_else(|| format!("'{field}' has no value"))?;
        let bad = || format!("invalid value for '{field}'");
        let lit = match (kind, value) {
            (_, Tok::Word(w)) if w == "null" => {
                if cmp != Cmp::Eq {
                    return Err(format!("'{field}' cannot be compared with null"));
                }
                Lit::Null
            }
            (Kind::Int, Tok::Num(n)) => Lit::Int(n),
            (Kind::Str | Kind::StrList, Tok::Str(s)) if cmp == Cmp::Eq => Lit::Str(s),
            (Kind::Date, Tok::Str(s)) => Lit::Date(
                NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                    .map_err(|_| format!("'{s}' is not a date in the format 'YYYY-MM-DD'"))?,
            ),
            (Kind::Bool, Tok::Word(w)) if cmp == Cmp::Eq && (w == "true" || w == "false") => {
                Lit::Bool(w == "true")
            }
            _ => return Err(bad()),
        };
        Ok(Expr::Cond { field, cmp, lit })
    }
}

/// Parses the expression inside the double quotes.
pub fn parse(expr: &str, schema: &dyn Fn(&str) -> Option<Kind>) -> Result<Expr, String> {
    let toks = tokenize(expr)?;
    if toks.is_empty() {
        return Err("the query is empty".into());
    }
    let mut p = Parser {
        toks,
        pos: 0,
        schema,
    };
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return Err(format!(
            "unexpected {:?} (combine conditions with AND / OR)",
            p.toks[p.pos]
        ));
    }
    Ok(e)
}

pub fn eval(e: &Expr, get: &dyn Fn(&str) -> Val) -> bool {
    match e {
        Expr::Or(a, b) => eval(a, get) || eval(b, get),
        Expr::And(a, b) => eval(a, get) && eval(b, get),
        Expr::Cond { field, cmp, lit } => matches(&get(field), *cmp, lit),
    }
}

fn ord<T: PartialOrd>(a: T, cmp: Cmp, b: T) -> bool {
    match cmp {
        Cmp::Eq => a == b,
        Cmp::Ge => a >= b,
        Cmp::Le => a <= b,
    }
}

fn matches(val: &Val, cmp: Cmp, lit: &Lit) -> bool {
    match (val, lit) {
        (Val::Int(v), Lit::Null) => v.is_none(),
        (Val::Str(v), Lit::Null) => v.as_deref().is_none_or(str::is_empty),
        (Val::StrList(v), Lit::Null) => v.is_empty(),
        (Val::Date(v), Lit::Null) => v.is_none(),
        (Val::Bool(v), Lit::Null) => v.is_none(),
        (Val::Int(Some(v)), Lit::Int(n)) => ord(*v, cmp, *n),
        (Val::Str(Some(v)), Lit::Str(s)) => v.to_lowercase() == s.to_lowercase(),
        (Val::StrList(v), Lit::Str(s)) => v.iter().any(|x| x.to_lowercase() == s.to_lowercase()),
        (Val::Date(Some(v)), Lit::Date(d)) => ord(v.date_naive(), cmp, *d),
        (Val::Bool(Some(v)), Lit::Bool(b)) => v == b,
        _ => false,
    }
}
