//! CloudFormation's intrinsic functions over a template in its JSON long form: `Ref`,
//! `Fn::GetAtt`, `Fn::Sub`, `Fn::If` with `Fn::Equals`/`Not`/`And`/`Or`/`Condition`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split` and `Fn::FindInMap`. `AWS::NoValue` resolves to `None` and drops
//! the map entry or list item that holds it, as CloudFormation does.
//!
//! What a name refers to (parameters, pseudo parameters, conditions, resources) is the caller's
//! [`Lookup`]: the template and the local cloud's physical resources live elsewhere.

use crate::error::Problem;
use serde_json::{Map, Value};

/// The names an expression can refer to.
pub trait Lookup {
    /// A parameter or pseudo parameter (`AWS::Region`, ...); `None` when there is none.
    fn parameter(&self, name: &str) -> Option<Value>;
    /// A condition of the `Conditions` section, evaluated.
    fn condition(&self, name: &str) -> Result<bool, Problem>;
    /// `Ref` of a resource: `None` when no resource has that logical id.
    fn resource_ref(&self, logical_id: &str) -> Option<Result<String, Problem>>;
    /// `Fn::GetAtt` of a resource attribute.
    fn get_att(&self, logical_id: &str, attribute: &str) -> Result<Value, Problem>;
    /// `Fn::FindInMap`; `None` when the map or a key is missing.
    fn mapping(&self, map: &str, top: &str, second: &str) -> Option<Value>;
}

/// Resolves every intrinsic in `value`; `Ok(None)` is `AWS::NoValue`.
pub fn resolve(value: &Value, at: &str, lookup: &dyn Lookup) -> Result<Option<Value>, Problem> {
    let single = match value {
        Value::Object(map) if map.len() == 1 => map.iter().next(),
        _ => None,
    };
    match value {
        Value::Object(map) if let Some((key, arg)) = single => match key.as_str() {
            "Ref" => reference(arg, at, lookup),
            "Fn::GetAtt" => get_att(arg, at, lookup).map(Some),
            "Fn::Sub" => sub(arg, at, lookup).map(|s| Some(Value::String(s))),
            "Fn::If" => if_(arg, at, lookup),
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => condition(value, at, lookup).map(|b| Some(b.into())),
            "Fn::Join" => join(arg, at, lookup).map(|s| Some(Value::String(s))),
            "Fn::Select" => select(arg, at, lookup),
            "Fn::Split" => split(arg, at, lookup).map(Some),
            "Fn::FindInMap" => find_in_map(arg, at, lookup).map(Some),
            other if other.starts_with("Fn::") => {
                Err(Problem::new(at, format!("{other} is not supported by the local cloud")))
            }
            _ => object(map, at, lookup),
        },
        Value::Object(map) => object(map, at, lookup),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.extend(resolve(item, &format!("{at}[{i}]"), lookup)?);
            }
            Ok(Some(Value::Array(out)))
        }
        scalar => Ok(Some(scalar.clone())),
    }
}

/// Like [`resolve`], but `AWS::NoValue` is an error: the place needs a value.
pub fn resolve_value(value: &Value, at: &str, lookup: &dyn Lookup) -> Result<Value, Problem> {
    resolve(value, at, lookup)?.ok_or_else(|| Problem::new(at, "resolves to AWS::NoValue where a value is needed"))
}

/// A resolved scalar as CloudFormation passes it on: strings as they are, numbers and booleans
/// in their text form.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Resolves `value` to text (a string, number or boolean).
pub fn resolve_text(value: &Value, at: &str, lookup: &dyn Lookup) -> Result<String, Problem> {
    let resolved = resolve_value(value, at, lookup)?;
    scalar_text(&resolved).ok_or_else(|| Problem::new(at, format!("expected a string, got {}", brief(&resolved))))
}

/// Evaluates a condition expression: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`.
pub fn condition(value: &Value, at: &str, lookup: &dyn Lookup) -> Result<bool, Problem> {
    let Some((key, arg)) = value.as_object().filter(|m| m.len() == 1).and_then(|m| m.iter().next()) else {
        return Err(Problem::new(at, format!("not a condition: {}", brief(value))));
    };
    let at = format!("{at}.{key}");
    match key.as_str() {
        "Condition" => {
            let name = arg.as_str().ok_or_else(|| Problem::new(&at, "expected a condition name"))?;
            lookup.condition(name)
        }
        "Fn::Equals" => {
            let [a, b] = args::<2>(arg, &at)?;
            let a = resolve(a, &at, lookup)?.unwrap_or(Value::Null);
            let b = resolve(b, &at, lookup)?.unwrap_or(Value::Null);
            Ok(match (scalar_text(&a), scalar_text(&b)) {
                (Some(a), Some(b)) => a == b,
                _ => a == b,
            })
        }
        "Fn::Not" => {
            let [inner] = args::<1>(arg, &at)?;
            Ok(!condition(inner, &at, lookup)?)
        }
        "Fn::And" | "Fn::Or" => {
            let items = arg.as_array().ok_or_else(|| Problem::new(&at, "expected a list of conditions"))?;
            if !(2..=10).contains(&items.len()) {
                return Err(Problem::new(&at, "takes 2 to 10 conditions"));
            }
            let mut results = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                results.push(condition(item, &format!("{at}[{i}]"), lookup)?);
            }
            Ok(if key == "Fn::And" { results.iter().all(|b| *b) } else { results.iter().any(|b| *b) })
        }
        other => Err(Problem::new(at, format!("{other} is not a condition function"))),
    }
}

fn object(map: &Map<String, Value>, at: &str, lookup: &dyn Lookup) -> Result<Option<Value>, Problem> {
    let mut out = Map::new();
    for (key, value) in map {
        if let Some(resolved) = resolve(value, &crate::template::join(at, key), lookup)? {
            out.insert(key.clone(), resolved);
        }
    }
    Ok(Some(Value::Object(out)))
}

fn args<'a, const N: usize>(arg: &'a Value, at: &str) -> Result<[&'a Value; N], Problem> {
    let items = arg.as_array().ok_or_else(|| Problem::new(at, format!("expected a list of {N}")))?;
    let refs: Vec<&Value> = items.iter().collect();
    refs.try_into().map_err(|_| Problem::new(at, format!("expected a list of {N}, got {}", items.len())))
}

fn reference(arg: &Value, at: &str, lookup: &dyn Lookup) -> Result<Option<Value>, Problem> {
    let name = arg.as_str().ok_or_else(|| Problem::new(at, "Ref takes a name"))?;
    if name == "AWS::NoValue" {
        return Ok(None);
    }
    if let Some(value) = lookup.parameter(name) {
        return Ok(Some(value));
    }
    match lookup.resource_ref(name) {
        Some(physical) => physical.map(|id| Some(Value::String(id))),
        None => Err(Problem::new(at, format!("Ref {name}: no parameter or resource of that name"))),
    }
}

fn get_att(arg: &Value, at: &str, lookup: &dyn Lookup) -> Result<Value, Problem> {
    let (id, attribute) = match arg {
        Value::Array(parts) => match parts.as_slice() {
            [Value::String(id), attribute] => (id.clone(), resolve_text(attribute, at, lookup)?),
            _ => return Err(Problem::new(at, "Fn::GetAtt takes [LogicalId, Attribute]")),
        },
        Value::String(s) => match s.split_once('.') {
            Some((id, attribute)) => (id.to_owned(), attribute.to_owned()),
            None => {
                return Err(Problem::new(at, format!("Fn::GetAtt {s}: expected LogicalId.Attribute")));
            }
        },
        _ => return Err(Problem::new(at, "Fn::GetAtt takes [LogicalId, Attribute]")),
    };
    lookup.get_att(&id, &attribute).map_err(|p| Problem::new(at, p.message))
}

fn if_(arg: &Value, at: &str, lookup: &dyn Lookup) -> Result<Option<Value>, Problem> {
    let [name, yes, no] = args::<3>(arg, at)?;
    let name = name.as_str().ok_or_else(|| Problem::new(at, "Fn::If takes a condition name first"))?;
    if lookup.condition(name).map_err(|p| Problem::new(at, format!("Fn::If {name}: {}", p.message)))? {
        resolve(yes, &format!("{at}[1]"), lookup)
    } else {
        resolve(no, &format!("{at}[2]"), lookup)
    }
}

fn sub(arg: &Value, at: &str, lookup: &dyn Lookup) -> Result<String, Problem> {
    let (text, vars) = match arg {
        Value::String(s) => (s.as_str(), Map::new()),
        Value::Array(parts) => match parts.as_slice() {
            [Value::String(s), Value::Object(vars)] => {
                let mut resolved = Map::new();
                for (name, value) in vars {
                    resolved.insert(name.clone(), resolve_value(value, &format!("{at}.{name}"), lookup)?);
                }
                (s.as_str(), resolved)
            }
            _ => return Err(Problem::new(at, "Fn::Sub takes a string or [string, {variables}]")),
        },
        _ => return Err(Problem::new(at, "Fn::Sub takes a string or [string, {variables}]")),
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| Problem::new(at, format!("Fn::Sub {text:?}: unclosed ${{")))?;
        let name = &after[..end];
        rest = &after[end + 1..];
        if let Some(literal) = name.strip_prefix('!') {
            // `${!Name}` is the literal text `${Name}`.
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
            continue;
        }
        let value = match vars.get(name) {
            Some(v) => v.clone(),
            None => sub_variable(name, at, lookup)?,
        };
        let text = scalar_text(&value)
            .ok_or_else(|| Problem::new(at, format!("Fn::Sub ${{{name}}} is {}, not a string", brief(&value))))?;
        out.push_str(&text);
    }
    out.push_str(rest);
    Ok(out)
}

/// `${Name}` in `Fn::Sub`: a parameter, a resource's `Ref`, or `Resource.Attribute`.
fn sub_variable(name: &str, at: &str, lookup: &dyn Lookup) -> Result<Value, Problem> {
    if let Some(value) = lookup.parameter(name) {
        return Ok(value);
    }
    if let Some(physical) = lookup.resource_ref(name) {
        return physical.map(Value::String);
    }
    match name.split_once('.') {
        Some((id, attribute)) => lookup.get_att(id, attribute).map_err(|p| Problem::new(at, p.message)),
        None => Err(Problem::new(at, format!("Fn::Sub ${{{name}}}: no parameter or resource of that name"))),
    }
}

fn join(arg: &Value, at: &str, lookup: &dyn Lookup) -> Result<String, Problem> {
    let [delimiter, list] = args::<2>(arg, at)?;
    let delimiter = delimiter.as_str().ok_or_else(|| Problem::new(at, "Fn::Join takes a delimiter string"))?;
    let items = texts(list, at, lookup)?;
    Ok(items.join(delimiter))
}

/// A list (literal or resolved, e.g. a `CommaDelimitedList` parameter) as strings.
fn texts(list: &Value, at: &str, lookup: &dyn Lookup) -> Result<Vec<String>, Problem> {
    match resolve_value(list, at, lookup)? {
        Value::Array(items) => items
            .iter()
            .map(|v| scalar_text(v).ok_or_else(|| Problem::new(at, format!("list item {} is not a string", brief(v)))))
            .collect(),
        other => Err(Problem::new(at, format!("expected a list, got {}", brief(&other)))),
    }
}

fn select(arg: &Value, at: &str, lookup: &dyn Lookup) -> Result<Option<Value>, Problem> {
    let [index, list] = args::<2>(arg, at)?;
    let index = resolve_text(index, at, lookup)?;
    let index: usize =
        index.parse().map_err(|_| Problem::new(at, format!("Fn::Select index {index:?} is not a number")))?;
    match resolve_value(list, at, lookup)? {
        Value::Array(items) => items.get(index).cloned().map(Some).ok_or_else(|| {
            Problem::new(at, format!("Fn::Select index {index} is out of range ({} items)", items.len()))
        }),
        other => Err(Problem::new(at, format!("Fn::Select needs a list, got {}", brief(&other)))),
    }
}

fn split(arg: &Value, at: &str, lookup: &dyn Lookup) -> Result<Value, Problem> {
    let [delimiter, source] = args::<2>(arg, at)?;
    let delimiter = delimiter.as_str().filter(|d| !d.is_empty());
    let delimiter = delimiter.ok_or_else(|| Problem::new(at, "Fn::Split takes a non-empty delimiter"))?;
    let source = resolve_text(source, at, lookup)?;
    Ok(Value::Array(source.split(delimiter).map(|s| Value::String(s.to_owned())).collect()))
}

fn find_in_map(arg: &Value, at: &str, lookup: &dyn Lookup) -> Result<Value, Problem> {
    let [map, top, second] = args::<3>(arg, at)?;
    let (map, top, second) =
        (resolve_text(map, at, lookup)?, resolve_text(top, at, lookup)?, resolve_text(second, at, lookup)?);
    lookup
        .mapping(&map, &top, &second)
        .ok_or_else(|| Problem::new(at, format!("Fn::FindInMap [{map}, {top}, {second}]: no such entry in Mappings")))
}

/// A short description of a value for messages (never its content: it may be a secret).
fn brief(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Default)]
    struct Fake {
        params: BTreeMap<&'static str, Value>,
        conditions: BTreeMap<&'static str, bool>,
    }

    impl Lookup for Fake {
        fn parameter(&self, name: &str) -> Option<Value> {
            match name {
                "AWS::Region" => Some("us-east-1".into()),
                "AWS::StackName" => Some("local".into()),
                _ => self.params.get(name).cloned(),
            }
        }
        fn condition(&self, name: &str) -> Result<bool, Problem> {
            self.conditions.get(name).copied().ok_or_else(|| Problem::new("Conditions", format!("no condition {name}")))
        }
        fn resource_ref(&self, logical_id: &str) -> Option<Result<String, Problem>> {
            (logical_id == "Queue").then(|| Ok("http://q/local-q".to_owned()))
        }
        fn get_att(&self, logical_id: &str, attribute: &str) -> Result<Value, Problem> {
            match (logical_id, attribute) {
                ("Queue", "Arn") => Ok("arn:aws:sqs:us-east-1:000000000000:local-q".into()),
                ("Bucket", "Arn") => Ok("arn:aws:s3:::b".into()),
                _ => Err(Problem::new("", format!("no attribute {logical_id}.{attribute}"))),
            }
        }
        fn mapping(&self, map: &str, top: &str, second: &str) -> Option<Value> {
            (map == "M" && top == "us-east-1" && second == "size").then(|| json!(3))
        }
    }

    fn fake() -> Fake {
        let mut f = Fake::default();
        f.params.insert("Port", json!("5432"));
        f.params.insert("Empty", json!(""));
        f.params.insert("List", json!(["a", "b", "c"]));
        f.conditions.insert("Yes", true);
        f.conditions.insert("No", false);
        f
    }

    fn ok(v: Value) -> Option<Value> {
        resolve(&v, "X", &fake()).unwrap()
    }

    #[test]
    fn refs_and_no_value() {
        assert_eq!(ok(json!({"Ref": "Port"})), Some(json!("5432")));
        assert_eq!(ok(json!({"Ref": "Queue"})), Some(json!("http://q/local-q")));
        assert_eq!(ok(json!({"Ref": "AWS::NoValue"})), None);
        let env = json!({"A": {"Ref": "Port"}, "B": {"Fn::If": ["No", "x", {"Ref": "AWS::NoValue"}]}, "C": 10});
        assert_eq!(ok(env), Some(json!({"A": "5432", "C": 10})));
        assert_eq!(ok(json!(["a", {"Ref": "AWS::NoValue"}, "b"])), Some(json!(["a", "b"])));
        let e = resolve(&json!({"Ref": "Nope"}), "Resources.F.Properties.X", &fake()).unwrap_err();
        assert_eq!(e.to_string(), "Resources.F.Properties.X: Ref Nope: no parameter or resource of that name");
    }

    #[test]
    fn sub_in_both_forms() {
        assert_eq!(ok(json!({"Fn::Sub": "${AWS::StackName}-auth-events"})), Some(json!("local-auth-events")));
        assert_eq!(ok(json!({"Fn::Sub": "${Bucket.Arn}/images/*"})), Some(json!("arn:aws:s3:::b/images/*")));
        assert_eq!(
            ok(json!({"Fn::Sub": "q=${Queue} ${!Literal} $x {y}"})),
            Some(json!("q=http://q/local-q ${Literal} $x {y}"))
        );
        assert_eq!(
            ok(json!({"Fn::Sub": ["${Greeting}, ${AWS::Region}", {"Greeting": {"Ref": "Port"}}]})),
            Some(json!("5432, us-east-1"))
        );
        for bad in [json!({"Fn::Sub": "${Unclosed"}), json!({"Fn::Sub": "${Missing}"}), json!({"Fn::Sub": "${List}"})] {
            assert!(resolve(&bad, "X", &fake()).is_err(), "{bad}");
        }
    }

    #[test]
    fn conditions_and_if() {
        let f = fake();
        let c = |v: Value| condition(&v, "Conditions.C", &f).unwrap();
        assert!(c(json!({"Fn::Equals": [{"Ref": "Empty"}, ""]})));
        assert!(!c(json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "Empty"}, ""]}]})));
        assert!(c(json!({"Fn::Equals": [{"Ref": "Port"}, 5432]})), "numbers compare as text");
        assert!(c(json!({"Fn::And": [{"Condition": "Yes"}, {"Fn::Not": [{"Condition": "No"}]}]})));
        assert!(c(json!({"Fn::Or": [{"Condition": "No"}, {"Condition": "Yes"}]})));
        assert!(condition(&json!({"Fn::And": [{"Condition": "Yes"}]}), "C", &f).is_err());
        assert!(condition(&json!("yes"), "C", &f).is_err());
        assert_eq!(ok(json!({"Fn::If": ["Yes", {"Ref": "Port"}, "other"]})), Some(json!("5432")));
        assert_eq!(ok(json!({"Fn::If": ["No", "x", {"Ref": "AWS::NoValue"}]})), None);
        let e = resolve(&json!({"Fn::If": ["Unknown", 1, 2]}), "X", &f).unwrap_err();
        assert!(e.message.contains("Unknown"), "{e}");
    }

    #[test]
    fn lists_and_maps() {
        assert_eq!(ok(json!({"Fn::Join": [",", ["a", {"Ref": "Port"}, 1]]})), Some(json!("a,5432,1")));
        assert_eq!(ok(json!({"Fn::Join": ["-", {"Ref": "List"}]})), Some(json!("a-b-c")));
        assert_eq!(ok(json!({"Fn::Select": ["1", {"Ref": "List"}]})), Some(json!("b")));
        assert_eq!(ok(json!({"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]})), Some(json!("x")));
        assert_eq!(ok(json!({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "size"]})), Some(json!(3)));
        assert!(
            resolve(&json!({"Fn::Select": [5, ["a"]]}), "X", &fake()).unwrap_err().message.contains("out of range")
        );
        assert!(resolve(&json!({"Fn::FindInMap": ["M", "x", "y"]}), "X", &fake()).is_err());
        assert!(resolve(&json!({"Fn::Base64": "x"}), "X", &fake()).unwrap_err().message.contains("not supported"));
    }

    #[test]
    fn get_att_in_both_forms_and_scalars() {
        assert_eq!(
            ok(json!({"Fn::GetAtt": ["Queue", "Arn"]})),
            Some(json!("arn:aws:sqs:us-east-1:000000000000:local-q"))
        );
        assert_eq!(ok(json!({"Fn::GetAtt": "Queue.Arn"})), Some(json!("arn:aws:sqs:us-east-1:000000000000:local-q")));
        let e = resolve(&json!({"Fn::GetAtt": ["Queue", "Nope"]}), "Outputs.O.Value", &fake()).unwrap_err();
        assert_eq!(e.at, "Outputs.O.Value");
        assert_eq!(resolve_text(&json!(52428800), "X", &fake()).unwrap(), "52428800");
        assert_eq!(resolve_text(&json!(true), "X", &fake()).unwrap(), "true");
        assert!(resolve_text(&json!({"a": 1}), "X", &fake()).is_err());
        assert!(resolve_value(&json!({"Ref": "AWS::NoValue"}), "X", &fake()).is_err());
    }
}
