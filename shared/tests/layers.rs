//! The layering of the library, checked on its source: every file is parsed, every path it
//! names (`use` trees, paths in types and expressions, `crate::` paths inside attributes) is
//! resolved to the module that defines it, and then
//!
//! 1. no layer imports what it must not (the domain no adapter, transport, handler,
//!    composition root or configuration, nor an AWS SDK, database driver or HTTP crate; …), and
//! 2. no two modules depend on each other, directly or through others: the module graph is a DAG.
//!
//! Test modules (`#[cfg(test)]`) are left out: a unit test may use the in-memory adapters.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// The layers, by the first segment of a module path under `crate`.
const LAYERS: &[&str] = &["domain", "config", "adapters", "transport", "handlers", "app", "logging"];

/// Which layers each layer may import (itself included).
fn allowed_layers(layer: &str) -> &'static [&'static str] {
    match layer {
        "domain" => &["domain"],
        "config" => &["config", "domain"],
        "adapters" => &["adapters", "domain", "config"],
        "transport" => &["transport", "domain", "config", "logging"],
        "handlers" => &["handlers", "transport", "domain"],
        "logging" => &["logging", "config"],
        // The composition roots build everything; the crate root only declares and re-exports.
        _ => LAYERS,
    }
}

/// Crates that talk to the outside world or carry its types: the domain names none of them.
const IO_CRATES: &[&str] = &[
    "aws_config",
    "aws_sdk_dynamodb",
    "aws_sdk_s3",
    "aws_sdk_sqs",
    "aws_smithy_http_client",
    "aws_smithy_types",
    "aws_lambda_events",
    "lambda_http",
    "lambda_runtime",
    "tokio_postgres",
    "deadpool_postgres",
    "postgres_types",
    "refinery",
    "mongodb",
    "bson",
    "hyper",
    "hyper_util",
    "hyper_rustls",
    "http",
    "http_body_util",
    "reqwest",
    "quick_xml",
    "multer",
    "rustls",
];

/// Drivers and SDKs stay in the adapters: transport and handlers name none of them.
const STORAGE_CRATES: &[&str] = &[
    "aws_config",
    "aws_sdk_dynamodb",
    "aws_sdk_s3",
    "aws_sdk_sqs",
    "tokio_postgres",
    "deadpool_postgres",
    "postgres_types",
    "refinery",
    "mongodb",
    "bson",
];

fn forbidden_crates(layer: &str) -> &'static [&'static str] {
    match layer {
        "domain" | "config" => IO_CRATES,
        "transport" | "handlers" => STORAGE_CRATES,
        _ => &[],
    }
}

struct Module {
    file: PathBuf,
    /// `pub use` re-exports: name → the path it stands for.
    reexports: BTreeMap<String, Vec<String>>,
    /// Every path the module names, resolved to `crate::…` or `extern::<crate>::…`.
    references: Vec<Vec<String>>,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src_dir()).expect("under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    let mut path = vec!["crate".to_string()];
    path.extend(parts);
    path
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `#[cfg(test)]` or `#[cfg(all(test, …))]`: code that exists only in unit tests.
fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let cfg = a.meta.to_token_stream_string().replace(' ', "");
        a.path().is_ident("cfg") && (cfg.contains("(test)") || cfg.contains("all(test,"))
    })
}

trait TokensToString {
    fn to_token_stream_string(&self) -> String;
}

impl<T: quote::ToTokens> TokensToString for T {
    fn to_token_stream_string(&self) -> String {
        self.to_token_stream().to_string()
    }
}

/// Turns a path written in module `at` into an absolute one: `crate::…`, or `extern::<crate>::…`.
/// A path may also start with a child module of `at` (`pub use login::Credentials`).
fn absolute(at: &[String], segments: &[String]) -> Option<Vec<String>> {
    let first = segments.first()?;
    let child: Vec<String> = at.iter().chain([first]).cloned().collect();
    if segments.len() > 1 && MODULES.with(|m| m.borrow().contains(&child)) {
        return Some(at.iter().chain(segments).cloned().collect());
    }
    match first.as_str() {
        "crate" => Some(segments.to_vec()),
        "self" => Some(at.iter().chain(&segments[1..]).cloned().collect()),
        "super" => {
            let mut base = at.to_vec();
            let mut rest = segments;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            Some(base.into_iter().chain(rest.iter().cloned()).collect())
        }
        // `Self`, generic parameters, std, and single names brought in by `use` are not modules.
        "Self" | "std" | "core" | "alloc" => None,
        _ if segments.len() == 1 => None,
        name => {
            Some(["extern".to_string(), name.to_string()].into_iter().chain(segments[1..].iter().cloned()).collect())
        }
    }
}

fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            if n.ident != "self" {
                path.push(n.ident.to_string());
            }
            let name = path.last().cloned();
            out.push((path, name));
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push((path, Some(r.rename.to_string())));
        }
        syn::UseTree::Glob(_) => out.push((prefix.clone(), None)),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_paths(t, prefix, out)),
    }
}

struct Collector<'a> {
    at: &'a [String],
    /// Names brought into scope by `use`: a later `Name::x` path means the used path.
    imported: BTreeMap<String, Vec<String>>,
    reexports: BTreeMap<String, Vec<String>>,
    references: Vec<Vec<String>>,
}

impl Collector<'_> {
    fn note(&mut self, segments: Vec<String>) {
        let expanded = match self.imported.get(&segments[0]) {
            Some(target) if segments.len() > 1 => target.iter().chain(&segments[1..]).cloned().collect(),
            _ => segments,
        };
        if let Some(path) = absolute(self.at, &expanded) {
            self.references.push(path);
        }
    }

    /// Paths inside attributes (`schema(value_type = super::tokens::UserRole)`,
    /// `serde(deserialize_with = "crate::domain::json::integer")`) are dependencies too.
    fn note_attribute_strings(&mut self, attrs: &[syn::Attribute]) {
        for attr in attrs {
            let text = attr.meta.to_token_stream_string().replace(' ', "").replace('"', " ");
            for start in ["crate::", "super::"] {
                for (i, _) in text.match_indices(start) {
                    if i > 0 && text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                        continue;
                    }
                    let path: String =
                        text[i..].chars().take_while(|c| c.is_alphanumeric() || "_:".contains(*c)).collect();
                    let segments: Vec<String> =
                        path.split("::").filter(|s| !s.is_empty()).map(str::to_string).collect();
                    if let Some(abs) = absolute(self.at, &segments) {
                        self.references.push(abs);
                    }
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&item.tree, &mut Vec::new(), &mut paths);
        // A re-export is structure, not a dependency: `resolve` follows it to the defining module.
        let public = !matches!(item.vis, syn::Visibility::Inherited);
        for (path, name) in paths {
            let Some(abs) = absolute(self.at, &path) else { continue };
            if let Some(name) = name {
                self.imported.insert(name.clone(), abs.clone());
                if public {
                    self.reexports.insert(name, abs.clone());
                    continue;
                }
            }
            if !public {
                self.references.push(abs);
            }
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if !segments.is_empty() {
            self.note(segments);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        self.note_attribute_strings(std::slice::from_ref(attr));
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_cfg_test(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_cfg_test(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if !is_cfg_test(&item.attrs) {
            syn::visit::visit_item_impl(self, item);
        }
    }
}

thread_local! {
    /// Every module of the crate, for telling `child::item` from `other_crate::item`.
    static MODULES: std::cell::RefCell<BTreeSet<Vec<String>>> = Default::default();
}

fn load() -> BTreeMap<Vec<String>, Module> {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    MODULES.with(|m| *m.borrow_mut() = files.iter().map(|f| module_path(f)).collect());
    let mut modules = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let at = module_path(&file);
        let mut c =
            Collector { at: &at, imported: BTreeMap::new(), reexports: BTreeMap::new(), references: Vec::new() };
        c.visit_file(&ast);
        let (reexports, references) = (c.reexports, c.references);
        modules.insert(at, Module { file, reexports, references });
    }
    modules
}

/// The module a `crate::…` path lands in, following re-exports to where the item is defined.
fn resolve(modules: &BTreeMap<Vec<String>, Module>, path: &[String], depth: usize) -> Option<Vec<String>> {
    if depth > 16 || path.first().is_none_or(|s| s != "crate") {
        return None;
    }
    let mut n = path.len();
    while n > 0 && !modules.contains_key(&path[..n]) {
        n -= 1;
    }
    let module = path[..n].to_vec();
    if let Some(name) = path.get(n)
        && let Some(target) = modules[&module].reexports.get(name)
        && target.first().is_some_and(|s| s == "crate")
        && target != path
    {
        let onward: Vec<String> = target.iter().chain(&path[n + 1..]).cloned().collect();
        return resolve(modules, &onward, depth + 1).or(Some(module));
    }
    Some(module)
}

fn layer_of(module: &[String]) -> &str {
    module.get(1).map(String::as_str).unwrap_or("crate")
}

fn name(module: &[String]) -> String {
    module.join("::")
}

#[test]
fn every_layer_imports_only_what_it_may() {
    let modules = load();
    let mut problems = BTreeSet::new();
    for (at, module) in &modules {
        let layer = layer_of(at);
        for reference in &module.references {
            if reference[0] == "extern" {
                let krate = reference[1].as_str();
                if forbidden_crates(layer).contains(&krate) {
                    problems.insert(format!("{} ({layer}) uses the crate {krate}", name(at)));
                }
                continue;
            }
            let Some(target) = resolve(&modules, reference, 0) else { continue };
            let target_layer = layer_of(&target);
            if target.len() > 1 && LAYERS.contains(&target_layer) && !allowed_layers(layer).contains(&target_layer) {
                problems.insert(format!(
                    "{} ({layer}) imports {} ({target_layer}) in {}",
                    name(at),
                    name(&target),
                    module.file.display()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} layering violation(s):\n{}",
        problems.len(),
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn no_two_modules_depend_on_each_other() {
    let modules = load();
    let mut edges: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (at, module) in &modules {
        let targets = edges.entry(at).or_default();
        for reference in &module.references {
            if let Some(target) = resolve(&modules, reference, 0)
                && &target != at
            {
                targets.insert(target);
            }
        }
    }
    // Depth-first search for a back edge; report each cycle once, as a path.
    fn visit<'a>(
        node: &'a Vec<String>,
        edges: &'a BTreeMap<&Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<&'a Vec<String>>,
        done: &mut BTreeSet<&'a Vec<String>>,
        cycles: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(i) = stack.iter().position(|n| *n == node) {
            let cycle: Vec<String> = stack[i..].iter().map(|m| name(m)).chain([name(node)]).collect();
            cycles.insert(cycle.join(" -> "));
            return;
        }
        stack.push(node);
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, stack, done, cycles);
        }
        stack.pop();
        done.insert(node);
    }
    let mut cycles = BTreeSet::new();
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(
        cycles.is_empty(),
        "{} import cycle(s):\n{}",
        cycles.len(),
        cycles.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_checks_see_the_imports_they_judge() {
    let modules = load();
    let auth_login = modules.get(&module_path(&src_dir().join("domain/auth/login.rs"))).expect("domain::auth::login");
    let resolved: BTreeSet<String> =
        auth_login.references.iter().filter_map(|r| resolve(&modules, r, 0)).map(|m| name(&m)).collect();
    for expected in ["crate::domain::auth::service", "crate::domain::auth::tokens", "crate::domain::codes"] {
        assert!(resolved.contains(expected), "{expected} not seen among {resolved:?}");
    }
}
