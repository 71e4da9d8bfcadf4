//! Rule sources → PrometheusRule objects: every YAML document of every source (a `kind: List`
//! item by item) is a PrometheusRule, a plain rule file (`groups:`), or another Kubernetes
//! object, skipped and counted (a Deployment of `helm template`'s stream, a `kustomization.yaml`);
//! anything else is an error, with its file:line (`<stdin>:document 7:line 412` in a stream).
use super::{from_yaml, PrometheusRule, PrometheusRuleSpec, RuleFile, API_VERSION, COMPONENT};
use super::{KIND, SOURCE_ANNOTATION};
use crate::input::sources::stream::{self, located, Doc, Head};
use crate::input::sources::{object_name, SourceFile};
use crate::kube::owned;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// Where a built object came from: its source (an index into the files) and the line it
/// starts on there (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: usize,
    pub line: usize,
}

/// The objects built from sources, where each came from, and how many other objects the
/// sources held (skipped).
#[derive(Debug, Clone, Default)]
pub struct Built {
    pub objects: Vec<PrometheusRule>,
    pub origins: Vec<Origin>,
    pub skipped: usize,
}

/// A kind that is almost `PrometheusRule` is a typo, not another object to skip.
fn near_miss(kind: &str) -> bool {
    kind != KIND
        && (kind.eq_ignore_ascii_case(KIND) || strsim::damerau_levenshtein(kind, KIND) <= 2)
}

/// What one document makes.
enum Made {
    Rule(Box<PrometheusRule>),
    Skipped,
}

/// One document (`i`: its index in the file, naming a plain rule file's later documents).
fn document(f: &SourceFile, i: usize, doc: &Doc, head: &Head) -> Result<Made, String> {
    let at = f.at(doc.start + 1);
    match (head.kind.as_deref(), head.has("groups")) {
        (Some(KIND), _) => {
            let r = from_yaml::<PrometheusRule>(&doc.text).map_err(|e| located(f, doc.start, &e))?;
            match r.api_version == API_VERSION {
                true => Ok(Made::Rule(Box::new(r))),
                false => Err(format!("{at}: apiVersion `{}` is not {API_VERSION}", r.api_version)),
            }
        }
        (Some(k), _) if near_miss(k) => Err(format!("{at}: kind `{k}`: did you mean {KIND}?")),
        (Some(_), _) if head.is_object() => Ok(Made::Skipped),
        (Some(other), _) => Err(format!("{at}: wrong kind `{other}` without an apiVersion: expected a PrometheusRule or a rule file with `groups:`")),
        (None, true) => {
            let rf = from_yaml::<RuleFile>(&doc.text).map_err(|e| located(f, doc.start, &e))?;
            let name = match i {
                0 => object_name("", &f.path),
                i => format!("{}-{i}", object_name("", &f.path)),
            };
            Ok(Made::Rule(Box::new(PrometheusRule {
                api_version: API_VERSION.into(),
                kind: KIND.into(),
                metadata: ObjectMeta {
                    name: Some(name),
                    ..Default::default()
                },
                spec: PrometheusRuleSpec { groups: rf.groups },
            })))
        }
        (None, false) => Err(format!(
            "{at}: neither a PrometheusRule nor a rule file with `groups:`"
        )),
    }
}

/// The source annotation of an object from `f`: its path; in a stream (standard input), what
/// the object says it came from (promstack's own annotation, helm's `# Source:` comment) first.
fn source_of(f: &SourceFile, doc: &Doc, rule: &PrometheusRule) -> String {
    let own = rule
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(SOURCE_ANNOTATION));
    match f.is_stream() {
        true => own
            .cloned()
            .or_else(|| stream::helm_source(&doc.text).map(str::to_string))
            .unwrap_or_else(|| f.path.clone()),
        false => f.path.clone(),
    }
}

/// The object as promstack applies it: in `namespace`, labelled as ours, with its source; what
/// the API server set on a copy read from a cluster (`kubectl get -o yaml`) left out.
fn adopt(rule: &mut PrometheusRule, namespace: &str, source: String) {
    let m = &mut rule.metadata;
    m.namespace = Some(namespace.into());
    m.labels
        .get_or_insert_with(Default::default)
        .extend(owned::labels(COMPONENT));
    let annotations = m.annotations.get_or_insert_with(Default::default);
    annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    annotations.insert(SOURCE_ANNOTATION.into(), source);
    m.resource_version = None;
    m.uid = None;
    m.managed_fields = None;
    m.creation_timestamp = None;
    m.generation = None;
    m.owner_references = None;
    m.deletion_timestamp = None;
    m.deletion_grace_period_seconds = None;
    m.self_link = None;
}

/// The objects of one file with the line each starts on (names not yet checked across files),
/// how many other objects it holds, and its problems.
fn build_file(
    f: &SourceFile,
    namespace: &str,
) -> (Vec<(usize, PrometheusRule)>, usize, Vec<String>) {
    let mut out: Vec<(usize, PrometheusRule)> = Vec::new();
    let (mut skipped, mut errors) = (0, Vec::new());
    if crate::input::sources::is_kustomization(&f.path) {
        return (out, 1, errors);
    }
    for (i, (doc, head)) in stream::objects(f, &mut errors).into_iter().enumerate() {
        let made = head.and_then(|h| document(f, i, &doc, &h));
        let mut rule = match made {
            Ok(Made::Rule(r)) => *r,
            Ok(Made::Skipped) => {
                skipped += 1;
                continue;
            }
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let at = f.at(doc.start + 1);
        let name = rule.metadata.name.clone().unwrap_or_default();
        if name.is_empty() {
            errors.push(format!("{at}: a PrometheusRule needs metadata.name"));
            continue;
        }
        if out
            .iter()
            .any(|(_, r)| r.metadata.name.as_deref() == Some(&name))
        {
            errors.push(format!("{at}: PrometheusRule `{name}` is defined twice"));
            continue;
        }
        let source = source_of(f, &doc, &rule);
        adopt(&mut rule, namespace, source);
        out.push((doc.start + 1, rule));
    }
    (out, skipped, errors)
}

/// Build the PrometheusRule objects of these sources, in `namespace`, labelled as ours, with
/// where each came from. Files are parsed in parallel; every problem in every file is reported
/// with its place, in file order (none: the sources are valid).
pub fn build_all(files: &[SourceFile], namespace: &str) -> (Built, Vec<String>) {
    let per_file = crate::input::par::map(files, |f| build_file(f, namespace));
    let mut built = Built::default();
    let mut errors = Vec::new();
    for (file, (objects, skipped, errs)) in per_file.into_iter().enumerate() {
        errors.extend(errs);
        built.skipped += skipped;
        for (line, rule) in objects {
            let name = rule.metadata.name.clone().unwrap_or_default();
            let first = built
                .objects
                .iter()
                .position(|r| r.metadata.name.as_deref() == Some(name.as_str()));
            if let Some(first) = first {
                let shown = |o: Origin| files[o.file].at(o.line);
                errors.push(format!(
                    "{}: PrometheusRule `{name}` is defined twice (also in {})",
                    shown(Origin { file, line }),
                    shown(built.origins[first])
                ));
                continue;
            }
            built.objects.push(rule);
            built.origins.push(Origin { file, line });
        }
    }
    (built, errors)
}

/// [`build_all`]'s objects, or every problem.
pub fn build(files: &[SourceFile], namespace: &str) -> Result<Vec<PrometheusRule>, Vec<String>> {
    match build_all(files, namespace) {
        (built, errors) if errors.is_empty() => Ok(built.objects),
        (_, errors) => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::sources::input::stream_file;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile::new(path, text)
    }

    #[test]
    fn both_kinds_of_source_become_labelled_objects_with_text_unchanged() {
        let files = [
            file("node.yaml", "groups:\n  - name: node\n    rules:\n      - alert: NodeDown\n        expr: up{job=\"node-exporter\"} == 0\n        for: 5m\n        annotations:\n          summary: 'Node {{ $labels.instance }} is down'\n"),
            file("apps.yaml", "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: apps\n  labels: {team: sre}\nspec:\n  groups:\n    - name: apps\n      rules:\n        - record: job:up:sum\n          expr: sum by (job) (up)\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: apps-2\nspec:\n  groups: []\n"),
        ];
        let rules = build(&files, "monitoring").unwrap();
        assert_eq!(rules.len(), 3);
        let node = &rules[0];
        assert_eq!(node.metadata.name.as_deref(), Some("node"));
        assert_eq!(node.metadata.namespace.as_deref(), Some("monitoring"));
        assert_eq!(
            node.spec.groups[0].rules[0].annotations["summary"],
            "Node {{ $labels.instance }} is down"
        );
        assert_eq!(node.spec.groups[0].rules[0].for_.as_deref(), Some("5m"));
        let labels = rules[1].metadata.labels.as_ref().unwrap();
        assert_eq!(labels["team"], "sre");
        assert_eq!(labels[owned::COMPONENT_LABEL], COMPONENT);
        assert_eq!(
            rules[1].metadata.annotations.as_ref().unwrap()[SOURCE_ANNOTATION],
            "apps.yaml"
        );
        let yaml = serde_yaml::to_string(node).unwrap();
        assert!(
            yaml.contains("for: 5m") && yaml.contains("{{ $labels.instance }}"),
            "{yaml}"
        );
        let (built, _) = build_all(&files, "m");
        assert_eq!(
            built.origins,
            [
                Origin { file: 0, line: 1 },
                Origin { file: 1, line: 1 },
                Origin { file: 1, line: 13 }
            ]
        );
    }

    #[test]
    fn problems_are_all_reported_with_their_file() {
        let files = [
            file("bad.yaml", "groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: up\n        bogus: 1\n"),
            file("broken.yaml", "groups: [\n"),
            file("a.yaml", "groups: []\n"),
            file("dir/a.yaml", "groups: []\n"),
            file("a.yml", "groups: []\n"),
        ];
        let errs = build(&files, "m").unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs[0].starts_with("bad.yaml:6:") && errs[0].contains("bogus"),
            "{errs:?}"
        );
        assert!(errs[1].starts_with("broken.yaml:2:"), "{errs:?}");
        assert_eq!(
            errs[2],
            "a.yml:1: PrometheusRule `a` is defined twice (also in a.yaml:1)"
        );
    }

    /// Found against promtool 3.14 (seed 1796526092003342648): an alias is the latest definition
    /// of its anchor before it, also when the name is defined again and another anchor follows.
    #[test]
    fn an_alias_is_the_latest_definition_before_it() {
        let text = "groups:\n  - name: g\n    rules:\n      - alert: Z\n        expr: up\n        labels: &l0\n          z: a\n      - alert: A\n        expr: up\n        labels: &l0\n          x: b\n      - alert: B\n        expr: up\n        labels: *l0\n      - alert: C\n        expr: up\n        labels: &l0\n          y: c\n";
        let built = build(&[file("t.yaml", text)], "m").unwrap();
        let b = &built[0].spec.groups[0].rules[2];
        assert_eq!(b.labels.get("x").map(String::as_str), Some("b"), "{b:?}");
    }

    /// Found against promtool 3.14: a key written twice is refused, a negative `limit` is not.
    #[test]
    fn keys_written_twice_and_negative_limits_as_prometheus_reads_them() {
        let twice = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels:\n          a: x\n          a: y\n";
        let errs = build(&[file("t.yaml", twice)], "m").unwrap_err();
        assert!(errs[0].contains("key `a` is written twice"), "{errs:?}");
        let limit = build(&[file("l.yaml", "groups: [{name: g, limit: -1}]")], "m");
        assert_eq!(limit.unwrap()[0].spec.groups[0].limit, Some(-1));
    }

    #[test]
    fn positions_in_messages_are_made_absolute() {
        let errs = build(
            &[file(
                "m.yaml",
                "groups: []\n---\ngroups:\n  - name: \"open\n",
            )],
            "m",
        )
        .unwrap_err();
        assert!(
            errs[0].starts_with("m.yaml:5:") && errs[0].contains("at line 4 column"),
            "{errs:?}"
        );
    }

    #[test]
    fn other_objects_are_skipped_and_counted_typos_and_non_objects_are_not() {
        let text = "# comment\n---\ngroups: []\n---\n\n---\nkind: ConfigMap\napiVersion: v1\n---\nkind: PrometheusRule\napiVersion: monitoring.coreos.com/v1\nmetadata: {name: x}\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up\n          labels: {severity: 1}\n---\nkind: PrometheusRules\napiVersion: monitoring.coreos.com/v1\n---\nkind: Deployment\n---\nfoo: bar\n";
        let (built, errs) = build_all(&[file("m.yaml", text)], "ns");
        assert_eq!(built.skipped, 1, "the ConfigMap");
        assert!(
            errs[0].starts_with("m.yaml:17:")
                && errs[0].contains("`severity` must be a string")
                && !errs[0].contains(" at line "),
            "non-string label value, with its line: {errs:?}"
        );
        assert_eq!(
            errs[1..],
            [
                "m.yaml:21: kind `PrometheusRules`: did you mean PrometheusRule?",
                "m.yaml:24: wrong kind `Deployment` without an apiVersion: expected a PrometheusRule or a rule file with `groups:`",
                "m.yaml:26: neither a PrometheusRule nor a rule file with `groups:`"
            ]
        );
    }

    #[test]
    fn a_stream_and_a_list_read_whole_with_document_and_line() {
        let stream = "---\n# Source: chart/templates/a.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n# Source: chart/templates/rules.yaml\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: chart-rules\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: monitoring.coreos.com/v1\n  kind: PrometheusRule\n  metadata:\n    name: listed\n    resourceVersion: \"7\"\n    uid: abc\n    annotations: {promstack.io/source: team/x.yaml}\n  spec:\n    groups: []\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n- apiVersion: monitoring.coreos.com/v1\n  kind: PrometheusRule\n  metadata: {name: bad}\n  spec:\n    groups:\n      - name: g\n        bogus: 1\n";
        let (built, errs) = build_all(&[stream_file(stream.into())], "monitoring");
        assert_eq!(built.skipped, 2, "the Service and the listed ConfigMap");
        assert_eq!(
            built
                .objects
                .iter()
                .map(|o| o.metadata.annotations.as_ref().unwrap()[SOURCE_ANNOTATION].as_str())
                .collect::<Vec<_>>(),
            ["chart/templates/rules.yaml", "team/x.yaml"],
            "helm's comment, the object's own annotation"
        );
        let listed = &built.objects[1];
        assert!(listed.metadata.uid.is_none() && listed.metadata.resource_version.is_none());
        assert_eq!(
            built.origins.iter().map(|o| o.line).collect::<Vec<_>>(),
            [7, 22]
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("<stdin>:document 3:line 40:") && errs[0].contains("bogus"),
            "{errs:?}"
        );
    }
}
