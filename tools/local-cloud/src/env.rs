//! The environment the local settings are expanded from, and the expansion itself.
//!
//! Values of the parameter file may say `${NAME}` (a variable; an error when unset),
//! `${NAME:-default}` (the default when unset or empty; the default is expanded too),
//! `${file:path}` (a file's content without its trailing newline, the path relative to the
//! repository; e.g. the secrets `localstack/up.sh` generates under `.local/`) and `$$` (a `$`).
//!
//! Variables come from this process, then from `.local/run/config.env`, the settings the running
//! stack was started with (written by `localstack/up.sh`): `local-cloud env login` in a fresh
//! shell sees the same values as the running local cloud.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where `up.sh` records the settings of the running stack, relative to the repository.
pub const RECORDED_SETTINGS: &str = ".local/run/config.env";

#[derive(Debug, Clone, Default)]
pub struct Env {
    root: PathBuf,
    vars: BTreeMap<String, String>,
    /// Files given in memory (tests), by path relative to the root.
    files: BTreeMap<String, String>,
}

impl Env {
    /// This process's variables over the recorded settings of the running stack.
    pub fn from_process(root: &Path) -> Result<Self, String> {
        let mut vars = read_recorded(&root.join(RECORDED_SETTINGS))?;
        vars.extend(std::env::vars());
        Ok(Self { root: root.to_path_buf(), vars, files: BTreeMap::new() })
    }

    /// Exactly these variables (tests, tools that pass their own).
    pub fn from_map<K: Into<String>, V: Into<String>>(root: &Path, vars: impl IntoIterator<Item = (K, V)>) -> Self {
        let vars = vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Self { root: root.to_path_buf(), vars, files: BTreeMap::new() }
    }

    /// A file served from memory instead of the disk (`${file:path}`).
    pub fn with_file(mut self, path: &str, content: &str) -> Self {
        self.files.insert(path.to_owned(), content.to_owned());
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A variable; an empty value counts as set.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// A variable parsed as a number, with a default when unset or empty.
    pub fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.var(name).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{name}={v:?} is not a valid number")),
        }
    }

    fn read_file(&self, path: &str) -> Result<String, String> {
        if let Some(content) = self.files.get(path) {
            return Ok(content.trim_end_matches(['\n', '\r']).to_owned());
        }
        let full = self.root.join(path);
        match std::fs::read_to_string(&full) {
            Ok(content) => Ok(content.trim_end_matches(['\n', '\r']).to_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(format!("${{file:{path}}}: {} does not exist (localstack/up.sh generates it)", full.display()))
            }
            Err(e) => Err(format!("${{file:{path}}}: {}: {e}", full.display())),
        }
    }

    /// Expands `${...}` references (see the module docs).
    pub fn expand(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                out.push('$');
                rest = tail;
            } else if let Some(inner) = after.strip_prefix('{') {
                let end = closing_brace(inner).ok_or_else(|| format!("unclosed ${{ in {text:?}"))?;
                out.push_str(&self.reference(&inner[..end])?);
                rest = &inner[end + 1..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn reference(&self, inner: &str) -> Result<String, String> {
        if let Some(path) = inner.strip_prefix("file:") {
            return self.read_file(path);
        }
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("${{{inner}}}: not a variable name"));
        }
        match (self.var(name), default) {
            (Some(v), Some(_)) if !v.is_empty() => Ok(v.to_owned()),
            (Some(v), None) => Ok(v.to_owned()),
            (_, Some(default)) => self.expand(default),
            (None, None) => {
                Err(format!("${{{name}}} is not set (start the stack with localstack/up.sh, or export it)"))
            }
        }
    }
}

/// The index of the `}` closing a `${` whose content starts `inner` (nested `${}` allowed).
fn closing_brace(inner: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `KEY=VALUE` lines as `up.sh` writes them (`printf '%s=%q'`); a missing file is empty.
fn read_recorded(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut vars = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) =
            line.split_once('=').ok_or_else(|| format!("{}:{}: not KEY=VALUE", path.display(), n + 1))?;
        let value =
            unquote(value).ok_or_else(|| format!("{}:{}: cannot read the value of {key}", path.display(), n + 1))?;
        vars.insert(key.to_owned(), value);
    }
    Ok(vars)
}

/// Undoes bash's `%q` quoting: backslash escapes, `'...'` and `$'...'` with the common escapes.
fn unquote(value: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => out.push(c),
                }
            },
            '$' if chars.peek() == Some(&'\'') => {
                chars.next();
                loop {
                    match chars.next()? {
                        '\'' => break,
                        '\\' => out.push(match chars.next()? {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            'e' | 'E' => '\u{1b}',
                            c => c,
                        }),
                        c => out.push(c),
                    }
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env::from_map(Path::new("/repo"), [("PORT", "55432"), ("EMPTY", ""), ("HOST", "127.0.0.1")])
            .with_file(".local/jwt-secret", "s3cr3t\n")
    }

    #[test]
    fn expands_variables_defaults_and_files() {
        let e = env();
        assert_eq!(e.expand("http://${HOST}:${PORT}/").unwrap(), "http://127.0.0.1:55432/");
        assert_eq!(e.expand("${UNSET:-4566}").unwrap(), "4566");
        assert_eq!(e.expand("${EMPTY:-fallback}").unwrap(), "fallback");
        assert_eq!(e.expand("${EMPTY}").unwrap(), "");
        assert_eq!(e.expand("${UNSET:-http://${HOST}:${PORT}}").unwrap(), "http://127.0.0.1:55432");
        assert_eq!(e.expand("tenant-service:${file:.local/jwt-secret}").unwrap(), "tenant-service:s3cr3t");
        assert_eq!(e.expand("cost $$5, $x, a$").unwrap(), "cost $5, $x, a$");
    }

    #[test]
    fn says_what_is_missing() {
        let e = env();
        assert!(e.expand("${UNSET}").unwrap_err().contains("${UNSET} is not set"));
        assert!(e.expand("${PORT").unwrap_err().contains("unclosed"));
        assert!(e.expand("${bad name}").unwrap_err().contains("not a variable name"));
        let missing = Env::from_map(Path::new("/nowhere"), [("A", "1")]).expand("${file:.local/x}").unwrap_err();
        assert!(missing.contains("/nowhere/.local/x does not exist"), "{missing}");
    }

    #[test]
    fn reads_bash_printf_q() {
        assert_eq!(unquote("plain").unwrap(), "plain");
        assert_eq!(unquote("''").unwrap(), "");
        assert_eq!(unquote(r"a\ b\$c").unwrap(), "a b$c");
        assert_eq!(unquote(r"$'line\nnext'").unwrap(), "line\nnext");
        assert_eq!(unquote("'it'\\''s'").unwrap(), "it's");
        assert!(unquote("'open").is_none());
    }

    #[test]
    fn recorded_settings_fill_in_what_the_process_lacks() {
        let dir = std::env::temp_dir().join(format!("local-cloud-env-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".local/run")).unwrap();
        std::fs::write(dir.join(RECORDED_SETTINGS), "# header\nLOCAL_TEST_ONLY_X=a\\ b\nPATH=/recorded\n").unwrap();
        let e = Env::from_process(&dir).unwrap();
        assert_eq!(e.var("LOCAL_TEST_ONLY_X"), Some("a b"));
        assert_ne!(e.var("PATH"), Some("/recorded"), "the process wins");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(env().number("PORT", 1u16).unwrap(), 55432);
        assert_eq!(env().number("UNSET", 9u16).unwrap(), 9);
        assert!(env().number::<u16>("HOST", 1).is_err());
    }
}
