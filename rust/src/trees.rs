//! Gradient-boosted trees, walked: each row's leaf values summed over the trees. The model
//! format (scikit-learn's trees as padded arrays) is described in `pipeline/language/trees.py`.

/// One node: a split sends a row left when its feature is at most the threshold (NaN goes
/// right), a leaf is its own left child. Fields side by side, so a walk reads one cache line.
/// Rows that walk a tree side by side (`Forest::leaf_sums`).
const LANES: usize = 8;

#[derive(Clone, Copy, Debug)]
struct Node {
    threshold: f64,
    value: f64,
    feature: u32,
    left: u32,
    right: u32,
}

/// A binary classifier's trees, each `width` nodes long (padded), checked once when built.
#[derive(Debug)]
pub struct Forest {
    nodes: Vec<Node>,
    width: usize,
    features: usize, // one more than the largest feature a split reads
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
        let mut nodes = Vec::with_capacity(total);
        let mut features = 0;
        for i in 0..total {
            let node = i % width;
            let (l, r) = (left[i], right[i]);
            let leaf = l == node as i64;
            if !leaf {
                let in_tree = |c: i64| c > node as i64 && (c as usize) < width;
                if !in_tree(l) || !in_tree(r) || feature[i] < 0 || feature[i] > u32::MAX as i64 {
                    return Err(format!(
                        "tree {} node {node}: not a split of this tree",
                        i / width
                    ));
                }
                features = features.max(feature[i] as usize + 1);
            }
            nodes.push(Node {
                threshold: threshold[i],
                value: value[i],
                feature: if leaf { 0 } else { feature[i] as u32 },
                left: l as u32,
                right: if leaf { l as u32 } else { r as u32 },
            });
        }
        Ok(Forest {
            nodes,
            width,
            features,
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
        let mut total = vec![0.0; n_rows];
        for tree in self.nodes.chunks_exact(self.width) {
            if columns == 0 {
                // Rows of no features: the trees read none, each is a leaf alone.
                total.iter_mut().for_each(|sum| *sum += tree[0].value);
                continue;
            }
            for (block, sums) in total.chunks_mut(LANES).enumerate() {
                // A block of rows walks the tree in step, a node a row each step: their loads
                // overlap instead of waiting on each other. A leaf is its own child, so a row
                // that reached one stays; the block stops when no row moved. A short last block
                // fills its lanes with its last row again.
                let first = block * LANES;
                let start: [usize; LANES] =
                    std::array::from_fn(|lane| (first + lane.min(sums.len() - 1)) * columns);
                let mut at = [0u32; LANES];
                loop {
                    let mut moved = false;
                    for (at, start) in at.iter_mut().zip(start) {
                        let node = &tree[*at as usize];
                        // `x <= t` is false for NaN: it goes right, as in scikit-learn.
                        let next = if rows[start + node.feature as usize] <= node.threshold {
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
                    *sum += tree[at as usize].value;
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
