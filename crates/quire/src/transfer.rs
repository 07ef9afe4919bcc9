//! `quire import …`, `quire export …` and `quire copy`: open the file, show progress (a bar on a terminal,
//! plain lines otherwise), run the use case, print the summary and write the JSON report. Bad
//! input exits with code 2 and names the first broken item and its line.

use std::io::{BufReader, IsTerminal};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use quire_app::import::{ImportOptions, ImportReport};
use quire_app::{App, Config};
use quire_store::{Store, StoreError};

use crate::Failure;
use crate::cli::{CopyArgs, ExportArgs, ExportFormat, ImportArgs, ImportCommand};

/// Shows how far through its input a long command is.
struct Meter {
    bar: Option<ProgressBar>,
    total: u64,
    last_line: Mutex<Instant>,
}

impl Meter {
    fn new(total: u64) -> Meter {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {elapsed} ({eta} left)") {
                bar.set_style(style);
            }
            bar
        });
        Meter { bar, total, last_line: Mutex::new(Instant::now()) }
    }

    fn update(&self, done: u64) {
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None => {
                let Ok(mut last) = self.last_line.lock() else { return };
                if last.elapsed() >= Duration::from_secs(5) {
                    *last = Instant::now();
                    let percent = done.saturating_mul(100) / self.total.max(1);
                    eprintln!("quire: read {done} of {} bytes ({percent}%)", self.total);
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Runs `quire import …`.
pub async fn import(app: &App, command: ImportCommand) -> Result<(), Failure> {
    let (args, ghost) = match command {
        ImportCommand::Wordpress(args) => (args, false),
        ImportCommand::Ghost(args) => (args, true),
        ImportCommand::Quire { archive } => {
            let restored = app.import_archive(&archive).await?;
            let rows: Vec<String> = restored.iter().map(|(t, n)| format!("{n} {t}")).collect();
            println!("restored {}: {}", archive.display(), rows.join(", "));
            return Ok(());
        }
    };
    let options = ImportOptions { media_dir: args.media_dir.clone(), dry_run: args.dry_run };
    if let Some(dir) = &options.media_dir
        && !dir.is_dir()
    {
        return Err(Failure::usage(format!("--media-dir {} is not a directory", dir.display())));
    }
    let report = if ghost {
        let raw = std::fs::read_to_string(&args.file)
            .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.file.display())))?;
        let meter = Meter::new(raw.len() as u64);
        let report = app.import_ghost(raw, &options, &|done| meter.update(done)).await;
        meter.finish();
        report
    } else {
        let (input, size) = open_input(&args.file)?;
        let meter = Meter::new(size);
        let report = app.import_wordpress(input, &options, &|done| meter.update(done)).await;
        meter.finish();
        report
    };
    let report = report.map_err(|e| Failure::runtime(format!("the import stopped: {e}")))?;
    finish(app, &args, &report)
}

fn open_input(path: &Path) -> Result<(Box<dyn std::io::BufRead + Send>, u64), Failure> {
    let file = std::fs::File::open(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((Box::new(BufReader::with_capacity(256 * 1024, file)), size))
}

/// Prints the plan or summary, writes the report, and turns failed items into exit code 2.
fn finish(app: &App, args: &ImportArgs, report: &ImportReport) -> Result<(), Failure> {
    for line in &report.plan {
        println!("{line}");
    }
    print!("{}", report.summary());
    let path = args.report.clone().unwrap_or_else(|| app.config().data_dir.join("import-report.json"));
    let json = serde_json::to_string_pretty(report).unwrap_or_default();
    std::fs::write(&path, json)
        .map_err(|e| Failure::runtime(format!("cannot write the report {}: {e}", path.display())))?;
    println!("report: {}", path.display());
    match report.failed.first() {
        None => Ok(()),
        Some(first) => {
            let more = report.failed.len() - 1;
            let more = if more > 0 { format!(" ({more} more in {})", path.display()) } else { String::new() };
            Err(Failure::usage(format!(
                "{}: line {} ({}): {}{more}",
                args.file.display(),
                first.line,
                first.item,
                first.message
            )))
        }
    }
}

/// Runs `quire export …`.
pub async fn export(app: &App, args: ExportArgs) -> Result<(), Failure> {
    match args.format {
        ExportFormat::Quire => {
            let summary = app.export_archive(&args.out).await?;
            let rows: Vec<String> = summary.rows.iter().map(|(t, n)| format!("{n} {t}")).collect();
            println!("exported to {}: {}", args.out.display(), rows.join(", "));
            println!("{} Markdown files, {} media files", summary.documents, summary.media_files);
            for key in &summary.missing_media {
                println!("missing media file: {key}");
            }
        }
        ExportFormat::Wxr => {
            let file = std::fs::File::create(&args.out)
                .map_err(|e| Failure::usage(format!("cannot write {}: {e}", args.out.display())))?;
            let counts = app.export_wxr(std::io::BufWriter::new(file)).await?;
            println!("exported {} posts and pages, {} comments to {}", counts.0, counts.1, args.out.display());
        }
    }
    Ok(())
}

/// Runs `quire copy`: both databases migrated, then every archive table moved across.
pub async fn copy(config: &Config, args: CopyArgs) -> Result<(), Failure> {
    let from_url = args.from.unwrap_or_else(|| config.database_url());
    if from_url == args.to {
        return Err(Failure::usage("--from and --to name the same database"));
    }
    let open = |url: String, side: &'static str| async move {
        let store = Store::connect(&url)
            .await
            .map_err(|e| Failure::runtime(format!("cannot open the {side} database {}: {e}", redact(&url))))?;
        store.migrate().await.map_err(|e| Failure::runtime(format!("cannot migrate the {side} database: {e}")))?;
        Ok::<Store, Failure>(store)
    };
    let from = open(from_url, "source").await?;
    let to = open(args.to, "target").await?;
    let copied = quire_store::copy_site(&from, &to, |table| println!("copied {} {}", table.rows, table.table))
        .await
        .map_err(|e| match e {
            StoreError::Conflict(message) => Failure::usage(message),
            other => Failure::runtime(format!("copy failed: {other}")),
        });
    from.close().await;
    to.close().await;
    let copied = copied?;
    let rows: usize = copied.iter().map(|t| t.rows).sum();
    println!("copied {rows} rows in {} tables; media files stay in {}", copied.len(), config.media_dir().display());
    Ok(())
}

/// A database URL fit for messages: any password replaced.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
