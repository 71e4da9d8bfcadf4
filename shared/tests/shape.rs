//! The shape the code keeps (issue 12): no source file over 500 lines, no function outside test
//! code over 100; and (issue 31) the common crate's sources one folder per domain: at most ten
//! entries at the top of `shared/src`, each folder saying in its module comment what lives there
//! and what does not. Every `.rs` file of the workspace is read as Rust (syn); test code is what sits
//! under a `tests/` or `benches/` folder or in a `#[cfg(test)]` module.
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;
use syn::visit::Visit;

const MAX_FILE_LINES: usize = 500;
const MAX_FN_LINES: usize = 100;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

/// Functions longer than the limit, outside `#[cfg(test)]` modules: (name, first line, lines).
#[derive(Default)]
struct Long {
    found: Vec<(String, usize, usize)>,
}

impl Long {
    fn check(&mut self, name: &syn::Ident, whole: proc_macro2::Span) {
        let (start, end) = (name.span().start().line, whole.end().line);
        let lines = end + 1 - start;
        if lines > MAX_FN_LINES {
            self.found.push((name.to_string(), start, lines));
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|l| {
                l.tokens
                    .to_string()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|t| t == "test")
            })
    })
}

impl<'ast> Visit<'ast> for Long {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_cfg_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_cfg_test(&f.attrs) {
            self.check(&f.sig.ident, f.span());
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_cfg_test(&f.attrs) {
            self.check(&f.sig.ident, f.span());
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if f.default.is_some() {
            self.check(&f.sig.ident, f.span());
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

fn is_test_code(p: &Path) -> bool {
    p.components()
        .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")))
}

#[test]
fn no_file_over_500_lines_and_no_function_over_100() {
    let root = workspace();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() > 50,
        "the workspace's sources were not found under {}",
        root.display()
    );
    let mut problems = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES {
            problems.push(format!(
                "{rel}: {lines} lines (at most {MAX_FILE_LINES}): split it"
            ));
        }
        if is_test_code(f) {
            continue;
        }
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{rel}: not Rust? {e}"));
        let mut long = Long::default();
        long.visit_file(&file);
        for (name, line, n) in long.found {
            problems.push(format!(
                "{rel}:{line}: fn {name} is {n} lines (at most {MAX_FN_LINES}): split it into named steps"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_measure_sees_a_long_function_and_skips_test_modules() {
    let body = "    let x = 1;\n".repeat(MAX_FN_LINES);
    let src = format!(
        "fn long() {{\n{body}}}\n#[cfg(test)]\nmod tests {{\n    fn also_long() {{\n{body}    }}\n}}\nimpl S {{\n    fn short(&self) {{}}\n}}\n"
    );
    let mut long = Long::default();
    long.visit_file(&syn::parse_file(&src).unwrap());
    let names: Vec<&str> = long.found.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["long"]);
    assert_eq!(long.found[0].2, MAX_FN_LINES + 2);
}

const MAX_TOP_ENTRIES: usize = 10;
const TOP_FILES: [&str; 3] = ["lib.rs", "error.rs", "testing.rs"];

/// The module comment (`//!` lines at the top) of a folder's `mod.rs`, if it has one.
fn module_comment(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("mod.rs")).ok()?;
    let doc: Vec<&str> = text.lines().map_while(|l| l.strip_prefix("//!")).collect();
    (!doc.is_empty()).then(|| doc.join("\n"))
}

fn folders(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.push(e.path());
            folders(&e.path(), out);
        }
    }
}

#[test]
fn shared_src_is_one_folder_per_domain_each_saying_what_lives_there() {
    let src = workspace().join("shared/src");
    let mut top: Vec<String> = std::fs::read_dir(&src)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    let mut problems = Vec::new();
    if top.len() > MAX_TOP_ENTRIES {
        problems.push(format!(
            "shared/src has {} entries (at most {MAX_TOP_ENTRIES}): {}; put each in its domain's folder",
            top.len(),
            top.join(", ")
        ));
    }
    for name in &top {
        let path = src.join(name);
        if path.is_dir() {
            match module_comment(&path) {
                None => problems.push(format!(
                    "shared/src/{name}/mod.rs: no module comment (`//!`) saying what lives there"
                )),
                Some(doc) if !doc.to_lowercase().contains("not here") => problems.push(format!(
                    "shared/src/{name}/mod.rs: its module comment does not say what is not here"
                )),
                Some(_) => {}
            }
        } else if !TOP_FILES.contains(&name.as_str()) {
            problems.push(format!(
                "shared/src/{name}: only {} and domain folders sit at the top",
                TOP_FILES.join(", ")
            ));
        }
    }
    let mut all = Vec::new();
    folders(&src, &mut all);
    for dir in all {
        if module_comment(&dir).is_none() {
            let rel = dir.strip_prefix(workspace()).unwrap().display().to_string();
            problems.push(format!(
                "{rel}/mod.rs: no module comment (`//!`) saying what lives there"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
