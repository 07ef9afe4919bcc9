//! Identicons: a commenter's avatar drawn here from a seed, so that no reader's email (or its
//! hash) is sent to a third party to show a picture next to their name.

/// Cells per side; the left half is mirrored onto the right, as in GitHub's identicons.
const GRID: usize = 5;

/// FNV-1a, 64 bits: the seed is already a keyed hash, so this only spreads its bits around.
fn fnv1a(bytes: &[u8], salt: u8) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ u64::from(salt);
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// An SVG image (square, symmetric pattern in one colour on a pale ground) for `seed`; the same
/// seed always gives the same picture.
pub fn identicon_svg(seed: &str) -> String {
    let pattern = fnv1a(seed.as_bytes(), 1);
    let colour = fnv1a(seed.as_bytes(), 2);
    let hue = colour % 360;
    let saturation = 45 + (colour >> 16) % 20;
    let lightness = 38 + (colour >> 32) % 14;
    let half = GRID.div_ceil(2);
    let mut cells = Vec::with_capacity(GRID * GRID);
    for row in 0..GRID {
        for column in 0..half {
            let bit = row * half + column;
            if pattern >> bit & 1 == 1 {
                cells.push((column, row));
                if column != GRID - 1 - column {
                    cells.push((GRID - 1 - column, row));
                }
            }
        }
    }
    if cells.is_empty() {
        cells.push((GRID / 2, GRID / 2));
    }
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-0.5 -0.5 {size} {size}\" width=\"80\" height=\"80\" \
         shape-rendering=\"crispEdges\"><rect x=\"-0.5\" y=\"-0.5\" width=\"{size}\" height=\"{size}\" \
         fill=\"hsl({hue} 30% 93%)\"/><g fill=\"hsl({hue} {saturation}% {lightness}%)\">",
        size = GRID + 1
    );
    for (x, y) in cells {
        svg.push_str(&format!("<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\"/>"));
    }
    svg.push_str("</g></svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_picture_and_others_differ() {
        assert_eq!(identicon_svg("abc"), identicon_svg("abc"));
        let drawn: std::collections::HashSet<String> = (0..50).map(|n| identicon_svg(&format!("seed-{n}"))).collect();
        assert!(drawn.len() >= 48, "only {} distinct pictures of 50", drawn.len());
    }

    #[test]
    fn pictures_are_symmetric_svg_with_no_script() {
        let svg = identicon_svg("Ruth");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.ends_with("</svg>"));
        assert!(!svg.contains("script") && !svg.contains("href"));
        let cells: Vec<(usize, usize)> = svg
            .split("<rect x=\"")
            .skip(2)
            .filter_map(|r| {
                let mut it = r.split('"');
                let x = it.next()?.parse().ok()?;
                let y = it.nth(1)?.parse().ok()?;
                Some((x, y))
            })
            .collect();
        assert!(!cells.is_empty());
        for (x, y) in &cells {
            assert!(cells.contains(&(GRID - 1 - x, *y)), "({x},{y}) has no mirror");
        }
    }
}
