//! template.yaml read as CloudFormation reads it: the document in its JSON long form, with
//! accessors for the sections the local cloud uses. Nothing here resolves intrinsics
//! (see [`crate::intrinsics`]).

pub mod yaml;

use crate::error::{Error, Problem, Result};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

pub use yaml::join;

#[derive(Debug, Clone)]
pub struct Template {
    pub file: PathBuf,
    pub doc: Value,
}

/// One entry of `Resources`.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    pub logical_id: &'a str,
    pub ty: &'a str,
    pub body: &'a Value,
}

impl<'a> Resource<'a> {
    /// `Properties.<key>`, or `Null` when absent.
    pub fn property(&self, key: &str) -> &'a Value {
        self.body.get("Properties").and_then(|p| p.get(key)).unwrap_or(&Value::Null)
    }

    /// The path of `Properties.<key>` for messages.
    pub fn at(&self, key: &str) -> String {
        format!("Resources.{}.Properties.{key}", self.logical_id)
    }

    /// The resource-level `Condition`, if any.
    pub fn condition(&self) -> Option<&'a str> {
        self.body.get("Condition").and_then(Value::as_str)
    }
}

impl Template {
    pub fn load(file: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
        Self::parse(file, &text)
    }

    pub fn parse(file: &Path, text: &str) -> Result<Self> {
        let doc = yaml::parse(text).map_err(|p| Error::template(file, p))?;
        if !doc.get("Resources").is_some_and(Value::is_object) {
            return Err(Error::template(file, Problem::new("Resources", "missing, or not a mapping")));
        }
        Ok(Self { file: file.to_path_buf(), doc })
    }

    pub fn section(&self, name: &str) -> &Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        self.doc.get(name).and_then(Value::as_object).unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    pub fn resources(&self) -> impl Iterator<Item = Resource<'_>> {
        self.section("Resources").iter().map(|(id, body)| Resource {
            logical_id: id,
            ty: body.get("Type").and_then(Value::as_str).unwrap_or_default(),
            body,
        })
    }

    pub fn resource(&self, logical_id: &str) -> Option<Resource<'_>> {
        self.resources().find(|r| r.logical_id == logical_id)
    }

    pub fn of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = Resource<'a>> + 'a {
        self.resources().filter(move |r| r.ty == ty)
    }

    /// `Globals.Function.<key>`.
    pub fn function_global(&self, key: &str) -> Option<&Value> {
        self.doc.get("Globals")?.get("Function")?.get(key)
    }

    /// A function property as SAM reads it: the function's own value merged over
    /// `Globals.Function` (maps merge key by key, recursively; anything else is replaced).
    pub fn function_property(&self, function: &Resource<'_>, key: &str) -> Option<Value> {
        match (self.function_global(key), function.body.get("Properties").and_then(|p| p.get(key))) {
            (None, None) => None,
            (Some(global), None) => Some(global.clone()),
            (None, Some(own)) => Some(own.clone()),
            (Some(global), Some(own)) => Some(merge(global, own)),
        }
    }

    pub fn problem(&self, at: impl Into<String>, message: impl Into<String>) -> Error {
        Error::template(&self.file, Problem::new(at, message))
    }
}

/// SAM's Globals rule for maps: keys of `own` win, other keys come from `global`. An intrinsic
/// (a one-key `Ref`/`Fn::` map) is a value, not a map to merge into.
pub fn merge(global: &Value, own: &Value) -> Value {
    match (global, own) {
        (Value::Object(g), Value::Object(o)) if !is_intrinsic(own) && !is_intrinsic(global) => {
            let mut out = g.clone();
            for (key, value) in o {
                let merged = match g.get(key) {
                    Some(gv) => merge(gv, value),
                    None => value.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Value::Object(out)
        }
        _ => own.clone(),
    }
}

/// A one-key map whose key is `Ref`, `Condition` or `Fn::*`.
pub fn is_intrinsic(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.len() == 1 && m.keys().all(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(text: &str) -> Template {
        Template::parse(Path::new("t.yaml"), text).unwrap()
    }

    #[test]
    fn globals_merge_like_sam() {
        let t = template(
            r#"
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables: {A: "1", B: "2"}
    LoggingConfig: {LogFormat: JSON, ApplicationLogLevel: INFO}
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 30
      Environment:
        Variables: {B: "own", C: !Ref X}
  G:
    Type: AWS::Serverless::Function
    Properties: {}
"#,
        );
        let f = t.resource("F").unwrap();
        assert_eq!(t.function_property(&f, "Timeout"), Some(json!(30)));
        assert_eq!(
            t.function_property(&f, "Environment"),
            Some(json!({"Variables": {"A": "1", "B": "own", "C": {"Ref": "X"}}}))
        );
        let g = t.resource("G").unwrap();
        assert_eq!(t.function_property(&g, "Timeout"), Some(json!(10)));
        assert_eq!(t.function_property(&g, "MemorySize"), None);
        assert_eq!(t.of_type("AWS::Serverless::Function").count(), 2);
    }

    #[test]
    fn an_intrinsic_replaces_rather_than_merges() {
        assert_eq!(merge(&json!({"Ref": "A"}), &json!({"Ref": "B"})), json!({"Ref": "B"}));
        assert_eq!(merge(&json!({"x": 1}), &json!({"Fn::If": ["C", 1, 2]})), json!({"Fn::If": ["C", 1, 2]}));
    }

    #[test]
    fn a_template_without_resources_is_refused() {
        let e = Template::parse(Path::new("t.yaml"), "Parameters: {}\n").unwrap_err();
        assert_eq!(e.to_string(), "t.yaml: Resources: missing, or not a mapping");
    }
}
