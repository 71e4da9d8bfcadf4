//! What the live check found, per folder and dashboard: queries with data, empty, failing (with
//! Grafana's or Prometheus's error), panels with no data at all, variables whose query failed;
//! and the one-line summary `status` prints.
use super::variables::Note;
use serde::Serialize;

/// Query counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub queries: usize,
    pub with_data: usize,
    pub empty: usize,
    pub failing: usize,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.queries += o.queries;
        self.with_data += o.with_data;
        self.empty += o.empty;
        self.failing += o.failing;
    }
}

/// One query that did not return data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryReport {
    pub panel: String,
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ref_id: String,
    /// As the dashboard has it.
    pub expr: String,
    /// As it was sent to Prometheus (variables replaced as Grafana replaces them).
    pub query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One dashboard as Grafana serves it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DashboardReport {
    pub uid: String,
    pub title: String,
    pub folder: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(flatten)]
    pub counts: Counts,
    /// Panels with Prometheus queries.
    pub panels: usize,
    /// Panels none of whose queries returned data (Grafana shows "No data").
    pub empty_panels: Vec<String>,
    /// Panels with a failing query (Grafana shows the error).
    pub failing_panels: Vec<String>,
    pub empty: Vec<QueryReport>,
    pub failing: Vec<QueryReport>,
    /// What resolving the template variables met.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Note>,
    /// Queries of other datasources (not checked).
    pub other_queries: usize,
    /// The dashboard could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl DashboardReport {
    /// A dashboard Grafana did not serve.
    pub fn unreadable(uid: &str, title: &str, folder: &str, error: String) -> Self {
        DashboardReport {
            error: Some(error),
            ..Self::new(uid, title, folder)
        }
    }

    /// A dashboard with nothing found yet.
    pub fn new(uid: &str, title: &str, folder: &str) -> Self {
        DashboardReport {
            uid: uid.into(),
            title: title.into(),
            folder: folder.into(),
            version: None,
            counts: Counts::default(),
            panels: 0,
            empty_panels: vec![],
            failing_panels: vec![],
            empty: vec![],
            failing: vec![],
            variables: vec![],
            other_queries: 0,
            error: None,
        }
    }

    /// A query or variable failed, or the dashboard could not be read.
    pub fn fails(&self) -> bool {
        self.error.is_some() || self.counts.failing > 0 || self.variables.iter().any(|v| v.failed)
    }
}

/// One folder's dashboards.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderReport {
    pub folder: String,
    #[serde(flatten)]
    pub counts: Counts,
    pub dashboards: Vec<DashboardReport>,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveReport {
    pub grafana: String,
    /// The range the queries covered, in seconds.
    pub range_seconds: u64,
    pub dashboards: usize,
    #[serde(flatten)]
    pub counts: Counts,
    pub folders: Vec<FolderReport>,
}

impl LiveReport {
    /// Folders by title (General first), dashboards by title.
    pub fn new(grafana: &str, range_seconds: u64, mut all: Vec<DashboardReport>) -> Self {
        all.sort_by(|a, b| {
            (a.folder.to_lowercase(), a.title.to_lowercase())
                .cmp(&(b.folder.to_lowercase(), b.title.to_lowercase()))
        });
        let mut folders: Vec<FolderReport> = Vec::new();
        let mut counts = Counts::default();
        let dashboards = all.len();
        for d in all {
            counts.add(d.counts);
            match folders.iter_mut().find(|f| f.folder == d.folder) {
                Some(f) => {
                    f.counts.add(d.counts);
                    f.dashboards.push(d);
                }
                None => folders.push(FolderReport {
                    folder: d.folder.clone(),
                    counts: d.counts,
                    dashboards: vec![d],
                }),
            }
        }
        folders.sort_by_key(|f| (f.folder != "General", f.folder.to_lowercase()));
        LiveReport {
            grafana: grafana.into(),
            range_seconds,
            dashboards,
            counts,
            folders,
        }
    }

    fn each(&self) -> impl Iterator<Item = &DashboardReport> {
        self.folders.iter().flat_map(|f| f.dashboards.iter())
    }

    /// Dashboards with a failing query or variable, or that could not be read.
    pub fn failing(&self) -> Vec<&DashboardReport> {
        self.each().filter(|d| d.fails()).collect()
    }

    /// Dashboards (not failing) with a panel that has no data.
    pub fn with_empty_panels(&self) -> Vec<&DashboardReport> {
        self.each()
            .filter(|d| !d.fails() && !d.empty_panels.is_empty())
            .collect()
    }

    /// `35 dashboards in 4 folders, 33 with data in every panel; 2 with empty panels: A, B`.
    pub fn summary(&self) -> String {
        let names = |ds: &[&DashboardReport]| {
            let mut shown: Vec<String> = ds.iter().take(5).map(|d| d.title.clone()).collect();
            if ds.len() > 5 {
                shown.push(format!("and {} more", ds.len() - 5));
            }
            shown.join(", ")
        };
        let (failing, empty) = (self.failing(), self.with_empty_panels());
        let complete = self.dashboards - failing.len() - empty.len();
        let mut s = format!(
            "{} in {}, {complete} with data in every panel",
            counted(self.dashboards, "dashboard"),
            counted(self.folders.len(), "folder")
        );
        if !empty.is_empty() {
            s.push_str(&format!(
                "; {} with empty panels: {}",
                empty.len(),
                names(&empty)
            ));
        }
        if !failing.is_empty() {
            s.push_str(&format!(
                "; {} with failing queries: {}",
                failing.len(),
                names(&failing)
            ));
        }
        s
    }

    /// The report for people: per folder, per dashboard, what did not return data.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for f in &self.folders {
            s.push_str(&format!(
                "{} ({}): {} queries: {} with data, {} empty, {} failing\n",
                f.folder,
                counted(f.dashboards.len(), "dashboard"),
                f.counts.queries,
                f.counts.with_data,
                f.counts.empty,
                f.counts.failing
            ));
            for d in &f.dashboards {
                dashboard_text(d, &mut s);
            }
        }
        s.push_str(&self.summary());
        s.push('\n');
        s
    }
}

/// `1 folder`, `4 folders`.
fn counted(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    }
}

fn dashboard_text(d: &DashboardReport, s: &mut String) {
    if let Some(e) = &d.error {
        s.push_str(&format!("  {} ({}): FAIL {e}\n", d.title, d.uid));
        return;
    }
    s.push_str(&format!(
        "  {} ({}): {}/{} queries with data\n",
        d.title, d.uid, d.counts.with_data, d.counts.queries
    ));
    for v in &d.variables {
        let mark = if v.failed { "FAIL" } else { "note" };
        s.push_str(&format!(
            "    {mark} variable ${}: {}\n",
            v.variable, v.message
        ));
    }
    for q in &d.failing {
        s.push_str(&format!(
            "    FAIL panel `{}` ({}): {}\n      {}\n",
            q.panel,
            q.path,
            q.error.as_deref().unwrap_or(""),
            q.query
        ));
    }
    for q in &d.empty {
        s.push_str(&format!(
            "    empty: panel `{}` ({}): {}\n",
            q.panel, q.path, q.query
        ));
    }
}
