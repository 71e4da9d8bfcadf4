//! What a user's files are read with, before any domain looks at them: where the rules and
//! dashboards come from and their flags ([`sources`]: the embedded defaults, folders, files, YAML
//! streams on standard input), the line of a node in a YAML file ([`yaml_path`]), the nesting a
//! YAML document may have before serde_yaml reads it ([`yaml_depth`]), its anchors made such that
//! serde_yaml resolves each alias as YAML does ([`yaml_anchors`]), recursion over input that
//! cannot overflow the stack ([`deep`]) and a parallel map for parsing many files ([`par`]).
//!
//! Not here: what a rule, a dashboard or an Alertmanager config means (the domain folders), and
//! the Kubernetes objects they become (`kube/`).
pub mod deep;
pub mod par;
pub mod sources;
pub mod yaml_anchors;
pub mod yaml_depth;
pub mod yaml_path;
