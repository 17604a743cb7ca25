//! Daktela's bracket query syntax: filters (nested groups, every operator), sorting, paging
//! and projection, compiled from a typed tree into query pairs
//! (`filter[logic]=and&filter[filters][0][field]=stage&...`).
//!
//! Owns: the syntax. Must not: decide which fields a resource allows (the resource table in
//! `api.rs` does, before anything is compiled), or send anything.

/// An operator of Daktela's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    In,
    IsNull,
    IsNotNull,
}

impl Op {
    fn wire(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Neq => "neq",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Like => "like",
            Op::In => "in",
            Op::IsNull => "isnull",
            Op::IsNotNull => "isnotnull",
        }
    }
}

/// A filter: one condition, or a group of them joined by `and` / `or`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Cond {
        field: String,
        op: Op,
        values: Vec<String>,
        ignore_case: bool,
    },
    Group {
        or: bool,
        filters: Vec<Filter>,
    },
}

impl Filter {
    pub fn eq(field: &str, value: impl Into<String>) -> Filter {
        Filter::cond(field, Op::Eq, vec![value.into()])
    }

    pub fn cond(field: &str, op: Op, values: Vec<String>) -> Filter {
        Filter::Cond {
            field: field.to_string(),
            op,
            values,
            ignore_case: false,
        }
    }

    /// `field` is one of `values`.
    pub fn any_of(field: &str, values: Vec<String>) -> Filter {
        if values.len() == 1 {
            Filter::cond(field, Op::Eq, values)
        } else {
            Filter::cond(field, Op::In, values)
        }
    }

    /// `like %text%`, ignoring case.
    pub fn contains(field: &str, text: &str) -> Filter {
        Filter::Cond {
            field: field.to_string(),
            op: Op::Like,
            values: vec![format!("%{text}%")],
            ignore_case: true,
        }
    }

    fn pairs(&self, prefix: &str, out: &mut Vec<(String, String)>) {
        match self {
            Filter::Cond {
                field,
                op,
                values,
                ignore_case,
            } => {
                out.push((format!("{prefix}[field]"), field.clone()));
                out.push((format!("{prefix}[operator]"), op.wire().to_string()));
                match op {
                    Op::In => {
                        for (i, v) in values.iter().enumerate() {
                            out.push((format!("{prefix}[value][{i}]"), v.clone()));
                        }
                    }
                    Op::IsNull | Op::IsNotNull => {}
                    _ => {
                        let v = values.first().cloned().unwrap_or_default();
                        out.push((format!("{prefix}[value]"), v));
                    }
                }
                if *ignore_case {
                    out.push((format!("{prefix}[ignoreCase]"), "true".into()));
                }
            }
            Filter::Group { or, filters } => {
                let logic = if *or { "or" } else { "and" };
                out.push((format!("{prefix}[logic]"), logic.into()));
                for (i, f) in filters.iter().enumerate() {
                    f.pairs(&format!("{prefix}[filters][{i}]"), out);
                }
            }
        }
    }
}

/// A list request: all `filters` must hold; sorted, paged.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    /// Field and descending.
    pub sort: Vec<(String, bool)>,
    pub skip: u64,
    pub take: u32,
    /// Daktela's full-text search, where a model has one.
    pub q: Option<String>,
}

impl ListQuery {
    /// The query pairs.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.filters.is_empty() {
            Filter::Group {
                or: false,
                filters: self.filters.clone(),
            }
            .pairs("filter", &mut out);
        }
        for (i, (field, desc)) in self.sort.iter().enumerate() {
            out.push((format!("sort[{i}][field]"), field.clone()));
            let dir = if *desc { "desc" } else { "asc" };
            out.push((format!("sort[{i}][dir]"), dir.into()));
        }
        out.push(("skip".into(), self.skip.to_string()));
        out.push(("take".into(), self.take.to_string()));
        if let Some(q) = &self.q {
            out.push(("q".into(), q.clone()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_groups_operators_sort_and_paging() {
        let q = ListQuery {
            filters: vec![
                Filter::any_of("stage", vec!["OPEN".into(), "WAIT".into()]),
                Filter::Group {
                    or: true,
                    filters: vec![
                        Filter::eq("user.name", "jnovak"),
                        Filter::contains("title", "tiskárna"),
                    ],
                },
                Filter::cond("created", Op::Gte, vec!["2026-12-01 00:00:00".into()]),
            ],
            sort: vec![("edited".into(), true)],
            skip: 20,
            take: 10,
            q: None,
        };
        let pairs: Vec<String> = q.pairs().iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            pairs,
            [
                "filter[logic]=and",
                "filter[filters][0][field]=stage",
                "filter[filters][0][operator]=in",
                "filter[filters][0][value][0]=OPEN",
                "filter[filters][0][value][1]=WAIT",
                "filter[filters][1][logic]=or",
                "filter[filters][1][filters][0][field]=user.name",
                "filter[filters][1][filters][0][operator]=eq",
                "filter[filters][1][filters][0][value]=jnovak",
                "filter[filters][1][filters][1][field]=title",
                "filter[filters][1][filters][1][operator]=like",
                "filter[filters][1][filters][1][value]=%tiskárna%",
                "filter[filters][1][filters][1][ignoreCase]=true",
                "filter[filters][2][field]=created",
                "filter[filters][2][operator]=gte",
                "filter[filters][2][value]=2026-12-01 00:00:00",
                "sort[0][field]=edited",
                "sort[0][dir]=desc",
                "skip=20",
                "take=10",
            ]
        );
    }
}
