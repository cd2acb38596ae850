//! The parameter file (`localstack/parameters.toml`): the local cloud's deployment of the
//! template, i.e. what `sam deploy` would be told.
//!
//! ```toml
//! [stack]
//! name = "local"            # AWS::StackName
//! region = "us-east-1"      # AWS::Region
//!
//! [parameters]              # = sam deploy --parameter-overrides; the rest take their Default
//! PgHost = "${LOCAL_PG_HOST:-127.0.0.1}"
//! JwtSecret = "${file:.local/jwt-secret}"
//!
//! [emulators]               # where the local cloud's AWS resources live
//! kind = "${LOCAL_AWS:-localstack}"
//! sqs = "http://127.0.0.1:4566"
//! dynamodb = "http://127.0.0.1:8000"
//! s3 = ["http://127.0.0.1:4566", "http://127.0.0.1:8333"]   # every bucket is made on each
//! ```
//!
//! Every string is expanded with [`Env::expand`]. Parameter values are checked against the
//! template's declaration as CloudFormation checks them (type, AllowedValues, AllowedPattern,
//! lengths, bounds); a parameter without a value and without a Default is an error naming it.

use crate::env::Env;
use crate::error::Problem;
use crate::template::Template;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmulatorKind {
    LocalStack,
    Moto,
}

impl EmulatorKind {
    /// The account every resource of the emulator belongs to (its ARNs and queue URLs say so).
    pub fn account_id(&self) -> &'static str {
        match self {
            Self::LocalStack => "000000000000",
            Self::Moto => "123456789012",
        }
    }

    /// The queue URL the emulator hands out for `name` (LocalStack with SQS_ENDPOINT_STRATEGY=path).
    pub fn queue_url(&self, endpoint: &str, region: &str, name: &str) -> String {
        let endpoint = endpoint.trim_end_matches('/');
        match self {
            Self::LocalStack => format!("{endpoint}/queue/{region}/{}/{name}", self.account_id()),
            Self::Moto => format!("{endpoint}/{}/{name}", self.account_id()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Emulators {
    pub kind: EmulatorKind,
    pub sqs: String,
    pub dynamodb: String,
    /// S3 stores; every bucket of the template is created on each.
    pub s3: Vec<String>,
}

/// The parameter file, expanded.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub stack_name: String,
    pub region: String,
    pub emulators: Emulators,
    /// `[parameters]`, expanded, by name.
    pub overrides: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    stack: StackSection,
    #[serde(default)]
    parameters: BTreeMap<String, toml::Value>,
    emulators: EmulatorSection,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StackSection {
    name: String,
    region: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmulatorSection {
    kind: String,
    sqs: String,
    dynamodb: String,
    s3: Vec<String>,
}

impl Deployment {
    pub fn parse(text: &str, env: &Env) -> Result<Self, Problem> {
        let file: File = toml::from_str(text).map_err(|e| Problem::new("(file)", e.message().to_owned()))?;
        let expand = |at: &str, value: &str| env.expand(value).map_err(|e| Problem::new(at, e));
        let stack_name = expand("stack.name", &file.stack.name)?;
        let valid_name = stack_name.len() <= 128
            && stack_name.starts_with(|c: char| c.is_ascii_alphabetic())
            && stack_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid_name {
            return Err(Problem::new(
                "stack.name",
                format!("{stack_name:?} is not a valid stack name ([A-Za-z][-A-Za-z0-9]*)"),
            ));
        }
        let kind = match expand("emulators.kind", &file.emulators.kind)?.as_str() {
            "localstack" => EmulatorKind::LocalStack,
            "moto" => EmulatorKind::Moto,
            other => {
                return Err(Problem::new("emulators.kind", format!("{other:?}: expected localstack or moto")));
            }
        };
        let emulators = Emulators {
            kind,
            sqs: expand("emulators.sqs", &file.emulators.sqs)?,
            dynamodb: expand("emulators.dynamodb", &file.emulators.dynamodb)?,
            s3: file.emulators.s3.iter().map(|s| expand("emulators.s3", s)).collect::<Result<_, _>>()?,
        };
        let mut overrides = BTreeMap::new();
        for (name, value) in &file.parameters {
            let at = format!("parameters.{name}");
            let text = match value {
                toml::Value::String(s) => expand(&at, s)?,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| match v {
                        toml::Value::String(s) => expand(&at, s),
                        other => Ok(other.to_string()),
                    })
                    .collect::<Result<Vec<_>, _>>()?
                    .join(","),
                _ => return Err(Problem::new(at, "expected a string, number, boolean or list")),
            };
            overrides.insert(name.clone(), text);
        }
        Ok(Self { stack_name, region: expand("stack.region", &file.stack.region)?, emulators, overrides })
    }
}

/// A template parameter with the value the local cloud deploys it with.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    /// A string, or a list of strings for the list types.
    pub value: Value,
    /// `NoEcho: true`: a secret, never printed or passed on a command line.
    pub no_echo: bool,
}

/// The template's parameters with the file's values or their Defaults, checked like
/// CloudFormation checks them. Problems are reported by parameter name; values of `NoEcho`
/// parameters never appear in them.
pub fn resolve(template: &Template, overrides: &BTreeMap<String, String>) -> Result<Vec<Parameter>, Problem> {
    let declared = template.section("Parameters");
    if let Some(unknown) = overrides.keys().find(|name| !declared.contains_key(*name)) {
        return Err(Problem::new(
            format!("parameters.{unknown}"),
            "template.yaml declares no such parameter (sam deploy would refuse it too)",
        ));
    }
    let mut out = Vec::with_capacity(declared.len());
    for (name, decl) in declared {
        let at = format!("parameters.{name}");
        let no_echo = matches!(decl.get("NoEcho"), Some(Value::Bool(true)))
            || decl.get("NoEcho").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case("true"));
        let default = decl.get("Default").and_then(crate::intrinsics::scalar_text);
        let Some(text) = overrides.get(name).cloned().or(default) else {
            return Err(Problem::new(
                at,
                "required: template.yaml gives no Default, so the parameter file must set it",
            ));
        };
        let value = check(name, decl, &text, no_echo).map_err(|m| Problem::new(&at, m))?;
        out.push(Parameter { name: name.clone(), value, no_echo });
    }
    Ok(out)
}

/// Checks `text` against a parameter declaration; returns the value as `Ref` gives it.
fn check(name: &str, decl: &Value, text: &str, no_echo: bool) -> Result<Value, String> {
    let shown = |v: &str| {
        if no_echo { "(NoEcho value)".to_owned() } else { format!("{v:?}") }
    };
    let ty = decl.get("Type").and_then(Value::as_str).unwrap_or("String");
    let why = |rule: &str| {
        let hint =
            decl.get("ConstraintDescription").and_then(Value::as_str).map(|d| format!(" ({d})")).unwrap_or_default();
        format!("{} breaks {rule}{hint}", shown(text))
    };
    let is_list = ty == "CommaDelimitedList" || ty.starts_with("List<");
    let items: Vec<&str> = if is_list { text.split(',').map(str::trim).collect() } else { vec![text] };
    for item in &items {
        let numeric = ty == "Number" || ty == "List<Number>";
        if numeric && item.parse::<f64>().is_err() {
            return Err(format!("{} is not a number (Type {ty})", shown(item)));
        }
        if let Some(allowed) = decl.get("AllowedValues").and_then(Value::as_array) {
            let allowed: Vec<String> = allowed.iter().filter_map(crate::intrinsics::scalar_text).collect();
            if !allowed.iter().any(|a| a == item) {
                return Err(format!("{} is not one of AllowedValues {allowed:?}", shown(item)));
            }
        }
        if let Some(pattern) = decl.get("AllowedPattern").and_then(Value::as_str) {
            // CloudFormation matches the whole value against the pattern.
            let re = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
                .map_err(|e| format!("AllowedPattern of {name} is not a regular expression: {e}"))?;
            if !re.is_match(item) {
                return Err(why("AllowedPattern"));
            }
        }
        let length = item.chars().count();
        if let Some(min) = decl.get("MinLength").and_then(as_f64).filter(|min| (length as f64) < *min) {
            return Err(format!("{} is {length} characters, MinLength is {min}", shown_len(no_echo, item)));
        }
        if let Some(max) = decl.get("MaxLength").and_then(as_f64).filter(|max| (length as f64) > *max) {
            return Err(format!("{} is {length} characters, MaxLength is {max}", shown_len(no_echo, item)));
        }
        if numeric {
            let n: f64 = item.parse().unwrap_or_default();
            if decl.get("MinValue").and_then(as_f64).is_some_and(|min| n < min) {
                return Err(why("MinValue"));
            }
            if decl.get("MaxValue").and_then(as_f64).is_some_and(|max| n > max) {
                return Err(why("MaxValue"));
            }
        }
    }
    Ok(if is_list {
        Value::Array(items.into_iter().map(|s| Value::String(s.to_owned())).collect())
    } else {
        text.into()
    })
}

fn shown_len(no_echo: bool, item: &str) -> String {
    if no_echo { "the (NoEcho) value".to_owned() } else { format!("{item:?}") }
}

fn as_f64(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const TEMPLATE: &str = r#"
Parameters:
  PgHost: {Type: String}
  PgPort: {Type: Number, Default: 5432, MinValue: 1, MaxValue: 65535}
  JwtSecret: {Type: String, NoEcho: true, MinLength: 32}
  Level: {Type: String, Default: INFO, AllowedValues: [DEBUG, INFO]}
  Origin:
    Type: String
    Default: ""
    AllowedPattern: "^$|^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$"
    ConstraintDescription: one origin
  Names: {Type: CommaDelimitedList, Default: "a, b"}
Resources: {}
"#;

    fn template() -> Template {
        Template::parse(Path::new("template.yaml"), TEMPLATE).unwrap()
    }

    fn params(pairs: &[(&str, &str)]) -> Result<Vec<Parameter>, Problem> {
        let overrides = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        resolve(&template(), &overrides)
    }

    fn value(ps: &[Parameter], name: &str) -> Value {
        ps.iter().find(|p| p.name == name).unwrap().value.clone()
    }

    #[test]
    fn file_values_over_defaults() {
        let secret = "x".repeat(32);
        let ps = params(&[("PgHost", "127.0.0.1"), ("JwtSecret", &secret), ("PgPort", "55432")]).unwrap();
        assert_eq!(value(&ps, "PgHost"), "127.0.0.1");
        assert_eq!(value(&ps, "PgPort"), "55432");
        assert_eq!(value(&ps, "Level"), "INFO");
        assert_eq!(value(&ps, "Origin"), "");
        assert_eq!(value(&ps, "Names"), serde_json::json!(["a", "b"]));
        assert!(ps.iter().find(|p| p.name == "JwtSecret").unwrap().no_echo);
    }

    #[test]
    fn constraints_are_cloudformations() {
        let secret = "x".repeat(32);
        let base = [("PgHost", "h"), ("JwtSecret", secret.as_str())];
        let with = |extra: (&str, &str)| {
            let mut pairs = base.to_vec();
            pairs.retain(|(k, _)| *k != extra.0);
            pairs.push(extra);
            params(&pairs).unwrap_err()
        };
        let e = params(&[("JwtSecret", &secret)]).unwrap_err();
        assert_eq!(e.at, "parameters.PgHost");
        assert!(e.message.contains("required"), "{e}");
        let short = with(("JwtSecret", "too-short-secret"));
        assert!(short.message.contains("MinLength is 32") && !short.message.contains("too-short"), "{short}");
        assert!(with(("PgPort", "0")).message.contains("MinValue"));
        assert!(with(("PgPort", "http")).message.contains("not a number"));
        assert!(with(("Level", "TRACE")).message.contains("AllowedValues"));
        let origin = with(("Origin", "http://a/path"));
        assert!(origin.message.contains("AllowedPattern (one origin)"), "{origin}");
        let unknown = with(("Nope", "1"));
        assert_eq!(unknown.at, "parameters.Nope");
    }

    #[test]
    fn the_file_is_expanded_and_checked() {
        let env = Env::from_map(Path::new("/r"), [("LOCAL_AWS", "moto"), ("P", "5000")]).with_file("s", "secret");
        let d = Deployment::parse(
            r#"
[stack]
name = "local"
region = "us-east-1"
[parameters]
A = "${file:s}"
B = 5
C = ["x", "${P}"]
[emulators]
kind = "${LOCAL_AWS:-localstack}"
sqs = "http://127.0.0.1:${P}"
dynamodb = "http://127.0.0.1:${P}"
s3 = ["http://127.0.0.1:${P}", "http://127.0.0.1:8333"]
"#,
            &env,
        )
        .unwrap();
        assert_eq!(d.emulators.kind, EmulatorKind::Moto);
        assert_eq!(d.emulators.s3.len(), 2);
        assert_eq!(d.overrides["A"], "secret");
        assert_eq!(d.overrides["B"], "5");
        assert_eq!(d.overrides["C"], "x,5000");
        assert_eq!(
            EmulatorKind::Moto.queue_url("http://127.0.0.1:5000/", "us-east-1", "q"),
            "http://127.0.0.1:5000/123456789012/q"
        );
        assert_eq!(
            EmulatorKind::LocalStack.queue_url("http://127.0.0.1:4566", "us-east-1", "q"),
            "http://127.0.0.1:4566/queue/us-east-1/000000000000/q"
        );
        let bad = Deployment::parse(
            "[stack]\nname = \"1x\"\nregion = \"r\"\n[emulators]\nkind = \"moto\"\nsqs = \"\"\ndynamodb = \"\"\ns3 = []\n",
            &env,
        );
        assert_eq!(bad.unwrap_err().at, "stack.name");
        let typo = Deployment::parse("[stack]\nname = \"a\"\nregion = \"r\"\nextra = 1\n", &env).unwrap_err();
        assert!(typo.message.contains("unknown field"), "{typo}");
    }
}
