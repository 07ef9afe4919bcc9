//! Writes a synthetic WordPress export: `synthetic_wxr POSTS COMMENTS [OUT]` (to standard output
//! without OUT). `bench/import.sh` uses it for the 10,000-post, 100,000-comment file.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use quire_formats::synthetic::{Shape, write_wxr};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u32>().ok());
    let (Some(posts), Some(comments)) = (number(0), number(1)) else {
        eprintln!("usage: synthetic_wxr POSTS COMMENTS [OUT]");
        return ExitCode::from(2);
    };
    let shape = Shape { posts, comments };
    let written = match args.get(2) {
        Some(path) => std::fs::File::create(path).and_then(|file| {
            let mut out = BufWriter::new(file);
            write_wxr(&mut out, &shape)?;
            out.flush()
        }),
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            write_wxr(&mut out, &shape).and_then(|()| out.flush())
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synthetic_wxr: {e}");
            ExitCode::FAILURE
        }
    }
}
