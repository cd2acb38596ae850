//! The HTTP API's route table and API Gateway's route selection.
//!
//! A route key is `METHOD /path` (method `ANY` matches every method) or `$default`. Path segments
//! are literals, `{param}` (one segment) or a final greedy `{proxy+}` (one or more segments).
//! For a request API Gateway picks the most specific matching route: segment by segment, from
//! the left, a literal beats `{param}`, which beats `{proxy+}`; for the same path a route with
//! the request's method beats `ANY`; `$default` only catches what nothing else matches.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

impl Segment {
    /// Lower is more specific.
    fn rank(&self) -> u8 {
        match self {
            Self::Literal(_) => 0,
            Self::Param(_) => 1,
            Self::Greedy(_) => 2,
        }
    }
}

/// A route's path: `$default`, or the segments of `/a/{b}/{c+}` after the leading slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPattern {
    Default,
    Segments(Vec<Segment>),
}

impl PathPattern {
    pub fn parse(path: &str) -> Result<Self, String> {
        if path == "$default" {
            return Ok(Self::Default);
        }
        let rest = path.strip_prefix('/').ok_or_else(|| format!("path {path:?} does not start with /"))?;
        if rest.is_empty() {
            return Ok(Self::Segments(Vec::new()));
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let mut segments = Vec::with_capacity(parts.len());
        let mut names = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(inner) => {
                    let (name, greedy) = match inner.strip_suffix('+') {
                        Some(name) => (name, true),
                        None => (inner, false),
                    };
                    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                        return Err(format!("path {path:?}: {part:?} is not a valid path parameter"));
                    }
                    if names.contains(&name) {
                        return Err(format!("path {path:?}: parameter {{{name}}} appears twice"));
                    }
                    names.push(name);
                    if greedy {
                        if i + 1 != parts.len() {
                            return Err(format!("path {path:?}: a greedy {{{name}+}} must be the last segment"));
                        }
                        Segment::Greedy(name.to_owned())
                    } else {
                        Segment::Param(name.to_owned())
                    }
                }
                None if part.contains(['{', '}']) => {
                    return Err(format!("path {path:?}: {part:?} mixes text and a parameter"));
                }
                None => Segment::Literal((*part).to_owned()),
            };
            segments.push(segment);
        }
        Ok(Self::Segments(segments))
    }

    /// The path parameters when `path` (a request's raw path) matches.
    fn matches(&self, path: &str) -> Option<BTreeMap<String, String>> {
        let Self::Segments(pattern) = self else {
            return Some(BTreeMap::new());
        };
        let rest = path.strip_prefix('/')?;
        let parts: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('/').collect() };
        let mut params = BTreeMap::new();
        for (i, segment) in pattern.iter().enumerate() {
            match segment {
                Segment::Literal(text) => {
                    if parts.get(i) != Some(&text.as_str()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let part = parts.get(i).filter(|p| !p.is_empty())?;
                    params.insert(name.clone(), decode(part));
                }
                Segment::Greedy(name) => {
                    let tail = parts.get(i..).map(|p| p.join("/")).filter(|t| !t.is_empty())?;
                    params.insert(name.clone(), decode(&tail));
                    return Some(params);
                }
            }
        }
        (parts.len() == pattern.len()).then_some(params)
    }

    fn specificity(&self) -> Vec<u8> {
        match self {
            Self::Default => vec![u8::MAX],
            Self::Segments(segments) => segments.iter().map(Segment::rank).collect(),
        }
    }
}

fn decode(part: &str) -> String {
    percent_encoding::percent_decode_str(part).decode_utf8_lossy().into_owned()
}

#[derive(Debug, Clone)]
pub struct Route {
    /// `None` is `ANY`.
    pub method: Option<String>,
    pub path: PathPattern,
    /// `GET /api/sessions/{userId}`, `ANY /{proxy+}` or `$default`, as in the event's `routeKey`.
    pub key: String,
    /// The function's name (its `FunctionName`).
    pub function: String,
    /// How long API Gateway waits for the integration (`TimeoutInMillis`, at most 30 s).
    pub integration_timeout: Duration,
}

impl Route {
    pub fn new(method: &str, path: &str, function: &str, integration_timeout: Duration) -> Result<Self, String> {
        let pattern = PathPattern::parse(path)?;
        let method = method.to_ascii_uppercase();
        let valid = ["ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
        if !valid.contains(&method.as_str()) {
            return Err(format!("method {method:?} is not one of {valid:?}"));
        }
        let key = match pattern {
            PathPattern::Default => "$default".to_owned(),
            PathPattern::Segments(_) => format!("{method} {path}"),
        };
        let method = (method != "ANY" && pattern != PathPattern::Default).then_some(method);
        Ok(Self { method, path: pattern, key, function: function.to_owned(), integration_timeout })
    }
}

/// A request's route and its path parameters.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    pub route: &'a Route,
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// Refuses two routes with the same key, as API Gateway does.
    pub fn new(routes: Vec<Route>) -> Result<Self, String> {
        for (i, a) in routes.iter().enumerate() {
            if let Some(b) = routes[..i].iter().find(|b| b.key == a.key) {
                return Err(format!("route {} is declared twice ({} and {})", a.key, b.function, a.function));
            }
        }
        Ok(Self { routes })
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route API Gateway would pick for `method` and the raw `path`.
    pub fn find(&self, method: &str, path: &str) -> Option<Match<'_>> {
        self.routes
            .iter()
            .filter(|r| r.method.as_deref().is_none_or(|m| m == method))
            .filter_map(|route| route.path.matches(path).map(|params| Match { route, params }))
            .min_by(|a, b| precedence(a.route, b.route))
    }
}

fn precedence(a: &Route, b: &Route) -> Ordering {
    a.path.specificity().cmp(&b.path.specificity()).then_with(|| b.method.is_some().cmp(&a.method.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(keys: &[&str]) -> RouteTable {
        let routes = keys
            .iter()
            .map(|key| {
                let (method, path) = key.split_once(' ').unwrap_or(("ANY", key));
                Route::new(method, path, key, Duration::from_secs(30)).unwrap()
            })
            .collect();
        RouteTable::new(routes).unwrap()
    }

    fn pick(t: &RouteTable, method: &str, path: &str) -> Option<String> {
        t.find(method, path).map(|m| m.route.function.clone())
    }

    #[test]
    fn api_gateway_precedence() {
        let t = table(&["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"]);
        assert_eq!(pick(&t, "GET", "/pets/dog/1").as_deref(), Some("GET /pets/dog/1"));
        assert_eq!(pick(&t, "GET", "/pets/dog/2").as_deref(), Some("GET /pets/dog/{id}"));
        assert_eq!(pick(&t, "GET", "/pets/cat/1").as_deref(), Some("GET /pets/{proxy+}"));
        assert_eq!(pick(&t, "POST", "/pets/cat/1").as_deref(), Some("ANY /{proxy+}"));
        assert_eq!(pick(&t, "GET", "/").as_deref(), Some("$default"));
        let t = table(&["ANY /items", "GET /items", "GET /{proxy+}"]);
        assert_eq!(pick(&t, "GET", "/items").as_deref(), Some("GET /items"), "a method beats ANY");
        assert_eq!(pick(&t, "DELETE", "/items").as_deref(), Some("ANY /items"), "an exact path beats greedy");
    }

    #[test]
    fn parameters_and_misses() {
        let t = table(&["GET /api/sessions/{userId}", "GET /api/sessions/verify", "GET /files/{key+}", "POST /login"]);
        let m = t.find("GET", "/api/sessions/a%20b").unwrap();
        assert_eq!(m.route.key, "GET /api/sessions/{userId}");
        assert_eq!(m.params["userId"], "a b");
        assert_eq!(pick(&t, "GET", "/api/sessions/verify").as_deref(), Some("GET /api/sessions/verify"));
        assert_eq!(t.find("GET", "/files/a/b/c.png").unwrap().params["key"], "a/b/c.png");
        assert!(t.find("GET", "/files/").is_none(), "greedy needs one segment");
        assert!(t.find("GET", "/files").is_none());
        assert!(t.find("GET", "/api/sessions/").is_none(), "an empty parameter does not match");
        assert!(t.find("GET", "/api/sessions/1/x").is_none());
        assert!(t.find("GET", "/login").is_none(), "only its method");
        assert!(t.find("POST", "/login/").is_none(), "no trailing-slash folding");
        assert!(t.find("HEAD", "/api/sessions/verify").is_none());
        assert!(t.find("GET", "").is_none());
    }

    #[test]
    fn bad_routes_are_refused() {
        for path in ["login", "/a/{b+}/c", "/a/{}", "/a/x{b}", "/a/{b}/{b}"] {
            assert!(PathPattern::parse(path).is_err(), "{path}");
        }
        assert!(Route::new("FETCH", "/a", "f", Duration::ZERO).is_err());
        let dup = vec![
            Route::new("get", "/a", "f", Duration::ZERO).unwrap(),
            Route::new("GET", "/a", "g", Duration::ZERO).unwrap(),
        ];
        assert!(RouteTable::new(dup).unwrap_err().contains("GET /a is declared twice"));
        let r = Route::new("any", "$default", "f", Duration::ZERO).unwrap();
        assert_eq!((r.key.as_str(), r.method.is_none()), ("$default", true));
        assert_eq!(Route::new("any", "/", "f", Duration::ZERO).unwrap().key, "ANY /");
        assert_eq!(table(&["GET /"]).find("GET", "/").unwrap().route.key, "GET /");
    }
}
