//! Gradient-boosted trees, walked: each row's leaf values summed over the trees. The model
//! format (scikit-learn's trees as padded arrays) is described in `pipeline/language/trees.py`.
//!
//! A split sends a row left when its feature is at most the split's threshold (NaN goes right).
//! The walk compares ranks instead: a value's rank is how many of the thresholds the forest
//! splits its feature at lie below it (NaN: all of them), and `x <= t_k` exactly when that rank
//! is at most `k`, the threshold's own place among them. A row's ranks are found once, and the
//! nodes shrink to four small integers: a tree of 61 nodes fits in eight cache lines.

/// Rows that walk a tree side by side (`Forest::leaf_sums`).
const LANES: usize = 8;

/// One node: a split sends a row left when the rank of its feature (an index into
/// `Forest::columns`) is at most `rank`; a leaf is its own left and right child.
#[derive(Clone, Copy, Debug)]
struct Node {
    feature: u16,
    rank: u16,
    left: u16,
    right: u16,
}

/// A binary classifier's trees, each `width` nodes long (padded), checked once when built.
#[derive(Debug)]
pub struct Forest {
    nodes: Vec<Node>,
    values: Vec<f64>, // each node's leaf value (0 at a split)
    width: usize,
    columns: Vec<usize>, // the row columns the splits read, in the nodes' feature order
    thresholds: Vec<Vec<f64>>, // each of those columns' split thresholds, ascending, distinct
    features: usize,     // one more than the largest column a split reads
}

impl Forest {
    /// The trees of the five arrays (row-major, `width` nodes a tree). An error names what is
    /// wrong when the arrays are not trees: a walk must end, so a split's children come after it.
    pub fn new(
        feature: &[i64],
        threshold: &[f64],
        left: &[i64],
        right: &[i64],
        value: &[f64],
        width: usize,
    ) -> Result<Self, String> {
        let total = feature.len();
        if [threshold.len(), left.len(), right.len(), value.len()]
            .iter()
            .any(|&n| n != total)
        {
            return Err("the tree arrays differ in length".into());
        }
        if width == 0 || !total.is_multiple_of(width) {
            return Err(format!("{total} nodes are not trees of {width} nodes each"));
        }
        if width > usize::from(u16::MAX) {
            return Err(format!("trees of {width} nodes: at most {} walk", u16::MAX));
        }
        let is_split = |i: usize| left[i] != (i % width) as i64;
        let mut by_column: std::collections::BTreeMap<usize, Vec<f64>> = Default::default();
        for i in (0..total).filter(|&i| is_split(i)) {
            let node = i % width;
            let in_tree = |c: i64| c > node as i64 && (c as usize) < width;
            if !in_tree(left[i]) || !in_tree(right[i]) || feature[i] < 0 || threshold[i].is_nan() {
                return Err(format!(
                    "tree {} node {node}: not a split of this tree",
                    i / width
                ));
            }
            by_column
                .entry(feature[i] as usize)
                .or_default()
                .push(threshold[i]);
        }
        for thresholds in by_column.values_mut() {
            thresholds.sort_by(f64::total_cmp);
            thresholds.dedup_by(|a, b| a == b); // 0.0 and -0.0 are one threshold
        }
        if by_column.len() > usize::from(u16::MAX)
            || by_column.values().any(|t| t.len() > usize::from(u16::MAX))
        {
            return Err("more split features or thresholds than a walk ranks".into());
        }
        let columns: Vec<usize> = by_column.keys().copied().collect();
        let thresholds: Vec<Vec<f64>> = by_column.into_values().collect();
        let nodes = (0..total)
            .map(|i| {
                let here = (i % width) as u16;
                if !is_split(i) {
                    return Node {
                        feature: 0,
                        rank: 0,
                        left: here,
                        right: here,
                    };
                }
                let f = columns
                    .binary_search(&(feature[i] as usize))
                    .expect("collected above");
                let rank = thresholds[f].partition_point(|&t| t < threshold[i]);
                Node {
                    feature: f as u16,
                    rank: rank as u16,
                    left: left[i] as u16,
                    right: right[i] as u16,
                }
            })
            .collect();
        let values = (0..total)
            .map(|i| if is_split(i) { 0.0 } else { value[i] })
            .collect();
        Ok(Forest {
            nodes,
            values,
            width,
            features: columns.last().map_or(0, |c| c + 1),
            columns,
            thresholds,
        })
    }

    pub fn trees(&self) -> usize {
        self.nodes.len() / self.width
    }

    /// The fewest features a row must have.
    pub fn features(&self) -> usize {
        self.features
    }

    /// Each row's leaf values summed over the trees, tree after tree (the sum scikit-learn makes,
    /// in its order). `rows` is row-major, `n_rows` rows of `columns` values. Tree by tree, every
    /// row: one tree's nodes stay in cache while the rows walk it.
    pub fn leaf_sums(
        &self,
        rows: &[f64],
        n_rows: usize,
        columns: usize,
    ) -> Result<Vec<f64>, String> {
        if columns < self.features {
            return Err(format!(
                "rows have {columns} features; the trees read {}",
                self.features
            ));
        }
        if rows.len() != n_rows * columns {
            return Err(format!(
                "{} values are not {n_rows} rows of {columns}",
                rows.len()
            ));
        }
        // Each row's ranks, row-major, one a split feature.
        let read = self.columns.len().max(1);
        let mut ranks = vec![0u16; n_rows * read];
        for (r, out) in ranks.chunks_exact_mut(read).enumerate() {
            for ((rank, &column), thresholds) in
                out.iter_mut().zip(&self.columns).zip(&self.thresholds)
            {
                let x = rows[r * columns + column];
                // NaN is below no threshold and goes right of every split: the largest rank.
                let below = if x.is_nan() {
                    thresholds.len()
                } else {
                    thresholds.partition_point(|&t| t < x)
                };
                *rank = below as u16;
            }
        }
        let mut total = vec![0.0; n_rows];
        for (tree, values) in self
            .nodes
            .chunks_exact(self.width)
            .zip(self.values.chunks_exact(self.width))
        {
            for (block, sums) in total.chunks_mut(LANES).enumerate() {
                // A block of rows walks the tree in step, a node a row each step: their loads
                // overlap instead of waiting on each other. A leaf is its own child, so a row
                // that reached one stays; the block stops when no row moved. A short last block
                // fills its lanes with its last row again.
                let first = block * LANES;
                let start: [usize; LANES] =
                    std::array::from_fn(|lane| (first + lane.min(sums.len() - 1)) * read);
                let mut at = [0u16; LANES];
                loop {
                    let mut moved = false;
                    for (at, start) in at.iter_mut().zip(start) {
                        let node = &tree[usize::from(*at)];
                        let next = if ranks[start + usize::from(node.feature)] <= node.rank {
                            node.left
                        } else {
                            node.right
                        };
                        moved |= next != *at;
                        *at = next;
                    }
                    if !moved {
                        break;
                    }
                }
                for (sum, at) in sums.iter_mut().zip(at) {
                    *sum += values[usize::from(at)];
                }
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two trees of width 3: tree 0 splits on feature 1 at 0.5, tree 1 is a single leaf.
    fn forest() -> Forest {
        Forest::new(
            &[1, 0, 0, 0, 0, 0],
            &[
                0.5,
                f64::INFINITY,
                f64::INFINITY,
                f64::INFINITY,
                f64::INFINITY,
                f64::INFINITY,
            ],
            &[1, 1, 2, 0, 1, 2],
            &[2, 1, 2, 0, 1, 2],
            &[0.0, -1.0, 2.0, 0.25, 0.0, 0.0],
            3,
        )
        .unwrap()
    }

    #[test]
    fn rows_walk_left_at_the_threshold_and_right_above_it_or_on_nan() {
        let rows = [9.0, 0.5, 9.0, 0.6, 9.0, f64::NAN];
        assert_eq!(
            forest().leaf_sums(&rows, 3, 2).unwrap(),
            vec![-0.75, 2.25, 2.25]
        );
        assert_eq!(forest().trees(), 2);
        assert_eq!(forest().features(), 2);
    }

    #[test]
    fn ranks_send_rows_where_thresholds_would() {
        // Three one-split trees on feature 0, at -0.0, 1.0 and infinity: a row goes left of
        // each split its value is at most; 0.0 equals -0.0, infinity is at most infinity.
        let inf = f64::INFINITY;
        let forest = Forest::new(
            &[0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[-0.0, inf, inf, 1.0, inf, inf, inf, inf, inf],
            &[1, 1, 2, 1, 1, 2, 1, 1, 2],
            &[2, 1, 2, 2, 1, 2, 2, 1, 2],
            &[0.0, 1.0, 10.0, 0.0, 100.0, 1000.0, 0.0, 10_000.0, 100_000.0],
            3,
        )
        .unwrap();
        let rows = [-1.0, 0.0, 0.5, 1.0, 1.5, inf, -inf, f64::NAN];
        let expected = [
            10_101.0, 10_101.0, 10_110.0, 10_110.0, 11_010.0, 11_010.0, 10_101.0, 101_010.0,
        ];
        assert_eq!(forest.leaf_sums(&rows, 8, 1).unwrap(), expected);
    }

    #[test]
    fn rows_walked_in_blocks_sum_as_rows_walked_alone() {
        // 19 rows: two full blocks and a short one, NaN among them.
        let rows: Vec<f64> = (0..38)
            .map(|i| {
                if i == 21 {
                    f64::NAN
                } else {
                    (i % 7) as f64 / 6.0
                }
            })
            .collect();
        let together = forest().leaf_sums(&rows, 19, 2).unwrap();
        let alone: Vec<f64> = rows
            .chunks(2)
            .map(|row| forest().leaf_sums(row, 1, 2).unwrap()[0])
            .collect();
        assert_eq!(together, alone);
        assert_eq!(together[10], 2.25); // the NaN row went right
    }

    #[test]
    fn arrays_that_are_not_trees_are_refused() {
        // A split whose child points back at it would never end.
        let cycle = Forest::new(&[0, 0], &[0.5, 0.0], &[1, 0], &[0, 1], &[0.0, 1.0], 2);
        assert_eq!(
            cycle.unwrap_err(),
            "tree 0 node 0: not a split of this tree"
        );
        let ragged = Forest::new(&[0, 0, 0], &[0.0; 3], &[0, 1, 2], &[0, 1, 2], &[0.0; 3], 2);
        assert_eq!(ragged.unwrap_err(), "3 nodes are not trees of 2 nodes each");
        assert_eq!(
            forest().leaf_sums(&[1.0, 2.0], 2, 1).unwrap_err(),
            "rows have 1 features; the trees read 2"
        );
        // Trees of leaves alone read no feature: rows of none walk them.
        let leaves = Forest::new(&[0], &[0.0], &[0], &[0], &[1.5], 1).unwrap();
        assert_eq!(leaves.leaf_sums(&[], 2, 0).unwrap(), vec![1.5, 1.5]);
    }
}
