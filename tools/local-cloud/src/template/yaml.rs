//! YAML to the JSON form of a CloudFormation template. Short-form tags become their long form
//! (`!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`), so everything downstream reads one shape, the
//! one CloudFormation itself reads from a JSON template.

use crate::error::Problem;
use serde_json::{Map, Number, Value};
use yaml_serde::Value as Yaml;

/// Short tag -> the long form's key. `!Ref` and `!Condition` keep their names; the rest are `Fn::`.
fn long_name(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "GetAtt" => "Fn::GetAtt",
        "Sub" => "Fn::Sub",
        "If" => "Fn::If",
        "Equals" => "Fn::Equals",
        "Not" => "Fn::Not",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Join" => "Fn::Join",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "FindInMap" => "Fn::FindInMap",
        "Base64" => "Fn::Base64",
        "GetAZs" => "Fn::GetAZs",
        "ImportValue" => "Fn::ImportValue",
        "Cidr" => "Fn::Cidr",
        "Length" => "Fn::Length",
        "ToJsonString" => "Fn::ToJsonString",
        _ => return None,
    })
}

/// Parses a template's text into its JSON form.
pub fn parse(text: &str) -> Result<Value, Problem> {
    let yaml: Yaml =
        yaml_serde::from_str(text).map_err(|e| Problem::new("(document)", format!("not valid YAML: {e}")))?;
    to_json(&yaml, "")
}

/// `at` is the dotted path of `yaml` in the document, for error messages.
pub fn to_json(yaml: &Yaml, at: &str) -> Result<Value, Problem> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(*b),
        Yaml::Number(n) => number(n, at)?,
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Sequence(items) => Value::Array(
            items.iter().enumerate().map(|(i, item)| to_json(item, &format!("{at}[{i}]"))).collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = scalar_key(key).ok_or_else(|| Problem::new(at, "a mapping key is not a string"))?;
                let path = join(at, &key);
                out.insert(key, to_json(value, &path)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let short = tag.trim_start_matches('!');
            let name = long_name(short).ok_or_else(|| {
                Problem::new(at, format!("unknown tag {tag} (not a CloudFormation intrinsic function)"))
            })?;
            let arg = to_json(&tagged.value, at)?;
            let arg = match (name, arg) {
                // `!GetAtt Resource.Attribute`: CloudFormation splits at the first dot only, so an
                // attribute may itself contain dots (`Endpoint.Address`).
                ("Fn::GetAtt", Value::String(s)) => match s.split_once('.') {
                    Some((id, attribute)) => Value::Array(vec![id.into(), attribute.into()]),
                    None => {
                        return Err(Problem::new(at, format!("!GetAtt {s}: expected <LogicalId>.<Attribute>")));
                    }
                },
                (_, arg) => arg,
            };
            Value::Object(Map::from_iter([(name.to_owned(), arg)]))
        }
    })
}

fn number(n: &yaml_serde::Number, at: &str) -> Result<Value, Problem> {
    if let Some(i) = n.as_i64() {
        return Ok(Value::Number(i.into()));
    }
    if let Some(u) = n.as_u64() {
        return Ok(Value::Number(u.into()));
    }
    n.as_f64()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| Problem::new(at, format!("number {n} has no JSON form")))
}

fn scalar_key(key: &Yaml) -> Option<String> {
    match key {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `Resources` + `X` -> `Resources.X`.
pub fn join(at: &str, key: &str) -> String {
    if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_and_long_forms_read_alike() {
        let short = parse(
            r#"
a: !Ref X
b: !GetAtt Queue.Arn
c: !GetAtt Db.Endpoint.Address
d: !Sub "${AWS::StackName}-q"
e: !If [Cond, !Ref A, !Ref AWS::NoValue]
f: !Not [!Equals [!Ref P, ""]]
g: !Join [",", [a, b]]
h: !Select [0, !Split [",", "x,y"]]
i: !FindInMap [M, K, V]
j: !And [!Condition A, !Or [!Condition B, !Condition C]]
"#,
        )
        .unwrap();
        let long = parse(
            r#"
a: {Ref: X}
b: {"Fn::GetAtt": [Queue, Arn]}
c: {"Fn::GetAtt": [Db, Endpoint.Address]}
d: {"Fn::Sub": "${AWS::StackName}-q"}
e: {"Fn::If": [Cond, {Ref: A}, {Ref: AWS::NoValue}]}
f: {"Fn::Not": [{"Fn::Equals": [{Ref: P}, ""]}]}
g: {"Fn::Join": [",", [a, b]]}
h: {"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]}
i: {"Fn::FindInMap": [M, K, V]}
j: {"Fn::And": [{Condition: A}, {"Fn::Or": [{Condition: B}, {Condition: C}]}]}
"#,
        )
        .unwrap();
        assert_eq!(short, long);
        assert_eq!(short["c"], json!({"Fn::GetAtt": ["Db", "Endpoint.Address"]}));
    }

    #[test]
    fn scalars_keep_their_types() {
        let v = parse("n: 10\nf: 1.5\nb: true\ns: \"10\"\nz: ~\n").unwrap();
        assert_eq!(v, json!({"n": 10, "f": 1.5, "b": true, "s": "10", "z": null}));
    }

    #[test]
    fn bad_input_is_a_problem_with_a_path() {
        let e = parse("Resources:\n  X:\n    Properties:\n      Y: !Bogus 1\n").unwrap_err();
        assert_eq!(e.at, "Resources.X.Properties.Y");
        assert!(e.message.contains("!Bogus"), "{e}");
        assert!(parse("a: !GetAtt NoDot\n").unwrap_err().message.contains("<LogicalId>.<Attribute>"));
        assert!(parse("a: [unclosed\n").unwrap_err().message.contains("not valid YAML"));
    }
}
