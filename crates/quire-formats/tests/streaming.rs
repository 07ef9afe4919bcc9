//! The WXR reader streams: fed a generated 300-post, 3,000-comment export through a reader that
//! counts what was taken from it, it yields each post having read no further than a small window
//! past that post's end, so it never holds more than one entry of the file, whatever its size.
//! (The 10,000-post, 100,000-comment file's peak memory is measured by `bench/import.sh`.)
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use std::cell::Cell;
use std::io::{BufReader, Read};
use std::rc::Rc;

use quire_formats::WxrReader;
use quire_formats::plan::Item;
use quire_formats::synthetic::{Shape, write_wxr};

/// A reader that counts the bytes handed out.
struct Counting<'a> {
    bytes: &'a [u8],
    taken: Rc<Cell<usize>>,
}

impl Read for Counting<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.bytes.read(out)?;
        self.taken.set(self.taken.get() + n);
        Ok(n)
    }
}

/// How far past an entry's end the reader may have read when the entry comes out: the buffered
/// reader's window and the start of the next entry's first event.
const WINDOW: usize = 16 * 1024;

#[test]
fn each_post_comes_out_before_the_reader_reads_much_past_it() {
    let shape = Shape { posts: 300, comments: 3_000 };
    let mut file = Vec::new();
    write_wxr(&mut file, &shape).unwrap();
    let text = std::str::from_utf8(&file).unwrap();
    let ends: Vec<usize> = text.match_indices("</item>").map(|(at, _)| at + "</item>".len()).collect();
    assert_eq!(ends.len(), 300);

    let taken = Rc::new(Cell::new(0));
    let input = BufReader::with_capacity(8 * 1024, Counting { bytes: &file, taken: taken.clone() });
    let mut posts = 0;
    let mut comments = 0;
    let mut widest = 0;
    for next in WxrReader::new(input) {
        let Item::Post(post) = next.unwrap().item else { continue };
        let end = ends[posts];
        let read = taken.get();
        assert!(read >= end, "post {} came out before its end was read", post.source_id);
        assert!(
            read <= end + WINDOW,
            "post {} came out after reading {} bytes past its end (the file is {} bytes)",
            post.source_id,
            read - end,
            file.len()
        );
        widest = widest.max(read - end);
        posts += 1;
        comments += post.comments.len();
    }
    assert_eq!((posts, comments), (300, 3_000));
    // The first post came out with a sliver of the file read, the last one with all of it.
    assert!(ends[0] + WINDOW < file.len() / 50, "the file is too small to show streaming");
    assert!(widest <= WINDOW);
}
