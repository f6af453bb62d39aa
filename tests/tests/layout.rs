//! The shape the code and its documents keep: no function in the domain crate longer than
//! 80 lines, the ingest consumer independent of the HTTP layer, and a README a newcomer
//! reads in minutes whose every link, like every link of docs/, resolves in the repository.

use std::path::{Path, PathBuf};
use syn::visit::Visit;

const MAX_FUNCTION_LINES: usize = 80;
const MAX_README_BYTES: u64 = 15_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path, extension));
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
    found
}

/// Functions longer than the limit, as `file:line name (n lines)`.
struct LongFunctions<'a> {
    file: &'a str,
    found: Vec<String>,
}

impl LongFunctions<'_> {
    fn check(&mut self, name: &syn::Ident, fn_token: &syn::token::Fn, block: &syn::Block) {
        let start = fn_token.span.start().line;
        let lines = block.brace_token.span.close().end().line - start + 1;
        if lines > MAX_FUNCTION_LINES {
            self.found
                .push(format!("{}:{start} {name} ({lines} lines)", self.file));
        }
    }
}

impl<'ast> Visit<'ast> for LongFunctions<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.check(&f.sig.ident, &f.sig.fn_token, &f.block);
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.check(&f.sig.ident, &f.sig.fn_token, &f.block);
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.check(&f.sig.ident, &f.sig.fn_token, block);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

#[test]
fn no_function_of_the_domain_crate_is_longer_than_80_lines() {
    let mut found = Vec::new();
    for path in files(&root().join("shared/src"), "rs") {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = syn::parse_file(&text).unwrap();
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let mut long = LongFunctions {
            file: &name,
            found: Vec::new(),
        };
        long.visit_file(&file);
        found.extend(long.found);
    }
    assert!(found.is_empty(), "split these:\n{}", found.join("\n"));
}

#[test]
fn the_ingest_consumer_uses_the_publish_service_not_the_http_layer() {
    for path in files(&root().join("shared/src/ingest"), "rs") {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("crate::api"), "{}", path.display());
    }
}

/// The relative link targets of a Markdown text, without their `#anchor`.
fn relative_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    for (i, _) in text.match_indices("](") {
        let rest = &text[i + 2..];
        let Some(end) = rest.find(')') else { continue };
        let target = rest[..end].split_whitespace().next().unwrap_or("");
        let path = target.split('#').next().unwrap_or("");
        let external = ["http://", "https://", "mailto:"]
            .iter()
            .any(|scheme| target.starts_with(scheme));
        if !external && !path.is_empty() {
            links.push(path.to_owned());
        }
    }
    links
}

#[test]
fn the_readme_is_short_and_every_link_of_it_and_of_the_docs_resolves_in_the_repository() {
    let readme = root().join("README.md");
    let size = std::fs::metadata(&readme).unwrap().len();
    assert!(size <= MAX_README_BYTES, "README.md is {size} bytes");
    assert!(root().join("CHANGELOG.md").exists());
    let mut documents = vec![readme];
    documents.extend(files(&root().join("docs"), "md"));
    let repository = root().canonicalize().unwrap();
    for document in documents {
        let text = std::fs::read_to_string(&document).unwrap();
        let dir = document.parent().unwrap();
        for link in relative_links(&text) {
            let target = dir.join(&link);
            let resolved = target
                .canonicalize()
                .unwrap_or_else(|_| panic!("{}: {link} does not exist", document.display()));
            assert!(
                resolved.starts_with(&repository),
                "{}: {link} leaves the repository",
                document.display()
            );
        }
    }
}
