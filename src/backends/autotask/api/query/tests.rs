//! The query compiler against a small instance's metadata.

use serde_json::{Value, json};

use super::*;
use crate::backends::autotask::models::{Fields, TICKET};
use crate::error::ErrorKind;

fn fields() -> Fields {
    let f = |v: Value| serde_json::from_value::<FieldInfo>(v).unwrap();
    Fields {
        fields: vec![
            f(json!({"name": "id", "dataType": "long", "isQueryable": true})),
            f(json!({"name": "title", "dataType": "string", "isQueryable": true})),
            f(
                json!({"name": "status", "dataType": "integer", "isQueryable": true,
                "isPickList": true, "picklistValues": [
                    {"value": "2", "label": "New", "isDefaultValue": true, "sortOrder": 1},
                    {"value": "11", "label": "Complete", "sortOrder": 4}]}),
            ),
            f(
                json!({"name": "companyID", "dataType": "integer", "isQueryable": true,
                "isReference": true, "referenceEntityType": "Company"}),
            ),
            f(json!({"name": "createDate", "dataType": "datetime", "isQueryable": true})),
            f(json!({"name": "description", "dataType": "string", "isQueryable": false})),
        ],
        udfs: vec![f(
            json!({"name": "Customer Ref", "dataType": "string", "isQueryable": true}),
        )],
    }
}

fn run(conds: Value) -> crate::error::Result<Vec<Value>> {
    let fields = fields();
    let schema = Schema {
        many: "tickets",
        fields: &fields,
        params: TICKET,
    };
    let conds: Vec<Condition> = serde_json::from_value(conds).unwrap();
    let lookup = |n: &NameRef| match n.name.as_str() {
        "Acme Dental" => Some(Ok(174)),
        _ => None,
    };
    compile(&schema, &conds, &lookup)
}

#[test]
fn labels_names_and_dates_become_the_instances_values() {
    let out = run(json!([
        {"op": "in", "field": "status", "value": ["new", "Complete"]},
        {"op": "eq", "field": "company", "value": "Acme Dental"},
        {"op": "gte", "field": "created", "value": "2026-11-01"},
        {"op": "ne", "field": "status", "value": "Complete"},
    ]))
    .unwrap();
    assert_eq!(
        out[0],
        json!({"op": "in", "field": "status", "value": [2, 11]})
    );
    assert_eq!(
        out[1],
        json!({"op": "eq", "field": "companyID", "value": 174})
    );
    assert_eq!(out[2]["value"], "2026-11-01T00:00:00Z");
    assert_eq!(out[3]["op"], "noteq", "ne is sent as Autotask's noteq");
}

#[test]
fn groups_udfs_and_exist() {
    let out = run(json!([
        {"op": "or", "items": [
            {"op": "contains", "field": "title", "value": "printer"},
            {"op": "notExist", "field": "companyID"}]},
        {"op": "eq", "field": "Customer Ref", "udf": true, "value": "ABC"},
    ]))
    .unwrap();
    assert_eq!(
        out[0]["items"][1],
        json!({"op": "notExist", "field": "companyID"})
    );
    assert_eq!(
        out[1],
        json!({"op": "eq", "field": "Customer Ref", "value": "ABC", "udf": true})
    );
}

#[test]
fn what_cannot_be_expressed_is_refused_naming_the_field() {
    let cases = [
        (
            json!([{"op": "eq", "field": "colour", "value": 1}]),
            "colour",
        ),
        (
            json!([{"op": "eq", "field": "status", "value": "Closed"}]),
            "Complete (11)",
        ),
        (
            json!([{"op": "contains", "field": "description", "value": "x"}]),
            "not queryable",
        ),
        (
            json!([{"op": "contains", "field": "status", "value": "x"}]),
            "not text",
        ),
        (
            json!([{"op": "exist", "field": "title", "value": 1}]),
            "takes no value",
        ),
        (
            json!([{"op": "in", "field": "status", "value": "New"}]),
            "list",
        ),
        (
            json!([{"op": "gt", "field": "created", "value": "yesterday"}]),
            "ISO 8601",
        ),
        (
            json!([{"op": "eq", "field": "company", "value": "Nobody Inc"}]),
            "not a name",
        ),
        (json!([{"op": "or", "items": []}]), "non-empty"),
        (
            json!([{"op": "eq", "field": "Customer Ref", "udf": true, "value": "a"},
                {"op": "eq", "field": "Customer Ref", "udf": true, "value": "b"}]),
            "one",
        ),
    ];
    for (conds, says) in cases {
        let e = run(conds.clone()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput, "{conds}");
        assert!(e.message.contains(says), "{conds}: {}", e.message);
    }
}

#[test]
fn unknown_operators_do_not_parse() {
    let r: std::result::Result<Vec<Condition>, _> =
        serde_json::from_value(json!([{"op": "like", "field": "title", "value": "x"}]));
    assert!(r.is_err());
}

#[test]
fn too_many_or_conditions_are_refused() {
    let items: Vec<Value> = (0..501)
        .map(|i| json!({"op": "eq", "field": "id", "value": i}))
        .collect();
    let e = run(json!([{"op": "or", "items": items}])).unwrap_err();
    assert!(e.message.contains("conditions"), "{}", e.message);
}
