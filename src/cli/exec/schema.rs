//! `--output-schema FILE`: the JSON Schema is sent as the request's strict `text.format`, and
//! the final message is checked against it before exec reports success.
//!
//! The check covers the keywords structured outputs accept: `type` (one or a list),
//! `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `anyOf`,
//! `allOf`, `$ref` into the same document (`#`, `#/$defs/…`), and the bounds `minLength`,
//! `maxLength`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minItems`,
//! `maxItems`. `pattern` and `format` are left to the model's strict mode (no regex engine
//! here); other keywords are ignored.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::plan::ExecError;

/// Why this value: a `$ref` cycle that consumes no data (`{"$ref": "#"}`) would recurse
/// forever; real schemas nest a few levels, and JSON answers rarely go deeper than 64.
const MAX_DEPTH: usize = 128;

/// A loaded output schema.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    pub path: PathBuf,
    pub schema: Value,
}

impl OutputSchema {
    pub fn load(path: &Path) -> Result<Self, ExecError> {
        let failed = |why: String| ExecError::Path {
            flag: "--output-schema",
            path: path.display().to_string(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        let schema: Value =
            serde_json::from_str(&text).map_err(|e| failed(format!("not JSON: {e}")))?;
        if !schema.is_object() {
            return Err(failed("a schema is a JSON object".into()));
        }
        Ok(Self {
            path: path.to_owned(),
            schema,
        })
    }

    /// Whether `message` is JSON matching the schema; the error says where it is not.
    pub fn check(&self, message: Option<&str>) -> Result<(), String> {
        let Some(message) = message else {
            return Err("there is no final message".into());
        };
        let value: Value = serde_json::from_str(message)
            .map_err(|e| format!("the final message is not JSON ({e})"))?;
        validate(&self.schema, &value, &self.schema, "$", 0)
    }

    /// One line for errors: where the schema came from and what failed.
    pub fn mismatch(&self, why: &str) -> String {
        format!(
            "the final message does not match --output-schema {}: {why}",
            self.path.display()
        )
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match (name, value) {
        ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        (name, value) => kind(value) == name,
    }
}

fn validate(
    schema: &Value,
    value: &Value,
    root: &Value,
    at: &str,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "{at}: the schema nests deeper than {MAX_DEPTH} levels"
        ));
    }
    let schema = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return Err(format!("{at}: no value is allowed here")),
        Value::Object(map) => map,
        _ => return Ok(()),
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer))
            .ok_or_else(|| format!("{at}: cannot resolve $ref {reference}"))?;
        validate(target, value, root, at, depth + 1)?;
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(name) => vec![name.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.is_empty() && !names.iter().any(|name| has_type(value, name)) {
            return Err(format!(
                "{at}: expected {}, got {}",
                names.join(" or "),
                kind(value)
            ));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return Err(format!(
            "{at}: {value} is not one of {}",
            Value::from(options.clone())
        ));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        return Err(format!("{at}: expected {constant}, got {value}"));
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            validate(part, value, root, at, depth + 1)?;
        }
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let mut reasons = Vec::new();
        for option in any {
            match validate(option, value, root, at, depth + 1) {
                Ok(()) => {
                    reasons.clear();
                    break;
                }
                Err(why) => reasons.push(why),
            }
        }
        if !reasons.is_empty() {
            return Err(format!(
                "{at}: matches none of anyOf ({})",
                reasons.join("; ")
            ));
        }
    }
    bounds(schema, value, at)?;
    match value {
        Value::Object(object) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    if !object.contains_key(name) {
                        return Err(format!("{at}: missing required property \"{name}\""));
                    }
                }
            }
            for (name, item) in object {
                let path = format!("{at}.{name}");
                match properties.and_then(|p| p.get(name)) {
                    Some(property) => validate(property, item, root, &path, depth + 1)?,
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            return Err(format!("{at}: property \"{name}\" is not allowed"));
                        }
                        Some(extra) => validate(extra, item, root, &path, depth + 1)?,
                        None => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            if let Some(each) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    validate(each, item, root, &format!("{at}[{index}]"), depth + 1)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Size and range bounds.
fn bounds(schema: &serde_json::Map<String, Value>, value: &Value, at: &str) -> Result<(), String> {
    let limit = |name: &str| schema.get(name).and_then(Value::as_f64);
    let (size, unit) = match value {
        Value::String(text) => (Some(text.chars().count() as f64), "characters"),
        Value::Array(items) => (Some(items.len() as f64), "items"),
        _ => (None, ""),
    };
    let (min_size, max_size) = match value {
        Value::String(_) => (limit("minLength"), limit("maxLength")),
        _ => (limit("minItems"), limit("maxItems")),
    };
    if let Some(size) = size {
        if let Some(min) = min_size
            && size < min
        {
            return Err(format!("{at}: {size} {unit}, fewer than {min}"));
        }
        if let Some(max) = max_size
            && size > max
        {
            return Err(format!("{at}: {size} {unit}, more than {max}"));
        }
    }
    if let Some(number) = value.as_f64() {
        let checks = [
            ("minimum", number >= limit("minimum").unwrap_or(f64::MIN)),
            ("maximum", number <= limit("maximum").unwrap_or(f64::MAX)),
            (
                "exclusiveMinimum",
                limit("exclusiveMinimum").is_none_or(|m| number > m),
            ),
            (
                "exclusiveMaximum",
                limit("exclusiveMaximum").is_none_or(|m| number < m),
            ),
        ];
        if let Some((name, _)) = checks.iter().find(|(_, ok)| !ok) {
            let bound = limit(name).unwrap_or_default();
            return Err(format!("{at}: {number} breaks {name} {bound}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(value: Value) -> OutputSchema {
        OutputSchema {
            path: PathBuf::from("schema.json"),
            schema: value,
        }
    }

    #[test]
    fn strict_object_schemas_accept_matching_answers_only() {
        let s = schema(json!({
            "type": "object",
            "properties": {
                "summary": {"type": "string", "minLength": 1},
                "files": {"type": "integer", "minimum": 0},
                "status": {"enum": ["ok", "failed"]},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
                "note": {"type": ["string", "null"]}
            },
            "required": ["summary", "files", "status", "tags", "note"],
            "additionalProperties": false
        }));
        let good = r#"{"summary":"done","files":2,"status":"ok","tags":["a"],"note":null}"#;
        assert_eq!(s.check(Some(good)), Ok(()));
        let cases = [
            (
                r#"{"summary":"done","files":2,"status":"ok","tags":[],"note":null,"x":1}"#,
                "\"x\" is not allowed",
            ),
            (
                r#"{"summary":"done","status":"ok","tags":[],"note":null}"#,
                "missing required property \"files\"",
            ),
            (
                r#"{"summary":"done","files":"2","status":"ok","tags":[],"note":null}"#,
                "$.files: expected integer, got string",
            ),
            (
                r#"{"summary":"done","files":-1,"status":"ok","tags":[],"note":null}"#,
                "breaks minimum",
            ),
            (
                r#"{"summary":"done","files":1,"status":"meh","tags":[],"note":null}"#,
                "is not one of",
            ),
            (
                r#"{"summary":"done","files":1,"status":"ok","tags":[1],"note":null}"#,
                "$.tags[0]: expected string",
            ),
            (
                r#"{"summary":"done","files":1,"status":"ok","tags":["a","b","c"],"note":null}"#,
                "more than 2",
            ),
            (
                r#"{"summary":"","files":1,"status":"ok","tags":[],"note":null}"#,
                "fewer than 1",
            ),
            ("not json", "not JSON"),
        ];
        for (answer, expected) in cases {
            let error = s.check(Some(answer)).unwrap_err();
            assert!(error.contains(expected), "{answer}: {error}");
        }
        assert_eq!(s.check(None), Err("there is no final message".into()));
    }

    #[test]
    fn refs_any_of_and_integers_written_as_floats() {
        let s = schema(json!({
            "$defs": {"step": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
            "type": "object",
            "properties": {
                "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
                "either": {"anyOf": [{"type": "string"}, {"type": "boolean"}]}
            }
        }));
        assert_eq!(
            s.check(Some(r#"{"steps":[{"n":1},{"n":2.0}],"either":true}"#)),
            Ok(())
        );
        let error = s.check(Some(r#"{"steps":[{"n":1.5}]}"#)).unwrap_err();
        assert!(error.contains("$.steps[0].n: expected integer"), "{error}");
        let error = s.check(Some(r#"{"either":3}"#)).unwrap_err();
        assert!(error.contains("matches none of anyOf"), "{error}");
        let bad = schema(json!({"$ref": "#/$defs/missing"}));
        assert!(bad.check(Some("1")).unwrap_err().contains("cannot resolve"));
        let looping = schema(json!({"$ref": "#"}));
        assert!(
            looping
                .check(Some("1"))
                .unwrap_err()
                .contains("deeper than")
        );
    }

    #[test]
    fn loading_refuses_what_is_not_a_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, "[1]").unwrap();
        let error = OutputSchema::load(&path).unwrap_err().to_string();
        assert!(error.contains("a schema is a JSON object"), "{error}");
        std::fs::write(&path, "{").unwrap();
        assert!(
            OutputSchema::load(&path)
                .unwrap_err()
                .to_string()
                .contains("not JSON")
        );
        let missing = dir.path().join("none.json");
        assert!(
            OutputSchema::load(&missing)
                .unwrap_err()
                .to_string()
                .starts_with("--output-schema")
        );
        std::fs::write(&path, r#"{"type":"object"}"#).unwrap();
        assert_eq!(
            OutputSchema::load(&path).unwrap().schema,
            json!({"type": "object"})
        );
    }
}
