//! `pipeline._core`: the bindings. Text arrives as Python strings borrowed in place (no copy
//! into Rust strings), arrays as numpy views; the work itself runs with the GIL released.

use numpy::{PyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;

use crate::{ngrams, trees};

/// A classifier's trees (the arrays of ``pipeline.language.trees.Trees``), checked once.
#[pyclass(frozen, module = "pipeline._core")]
struct Forest(trees::Forest);

#[pymethods]
impl Forest {
    #[new]
    fn new(
        feature: PyReadonlyArray2<'_, i64>,
        threshold: PyReadonlyArray2<'_, f64>,
        left: PyReadonlyArray2<'_, i64>,
        right: PyReadonlyArray2<'_, i64>,
        value: PyReadonlyArray2<'_, f64>,
    ) -> PyResult<Self> {
        let width = feature.shape()[1];
        let forest = trees::Forest::new(
            contiguous(&feature)?,
            contiguous(&threshold)?,
            contiguous(&left)?,
            contiguous(&right)?,
            contiguous(&value)?,
            width,
        );
        forest.map(Forest).map_err(PyValueError::new_err)
    }

    /// Each row's leaf values summed over the trees (rows: a C-contiguous float64 matrix).
    fn leaf_sums<'py>(
        &self,
        py: Python<'py>,
        rows: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (n_rows, columns) = (rows.shape()[0], rows.shape()[1]);
        let values = contiguous(&rows)?;
        let sums = py
            .detach(|| self.0.leaf_sums(values, n_rows, columns))
            .map_err(PyValueError::new_err)?;
        Ok(PyArray1::from_vec(py, sums))
    }

    #[getter]
    fn trees(&self) -> usize {
        self.0.trees()
    }
}

fn contiguous<'a, T: numpy::Element, D: numpy::ndarray::Dimension>(
    array: &'a numpy::PyReadonlyArray<'_, T, D>,
) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| PyValueError::new_err("arrays must be C-contiguous"))
}

/// Gopher repetition's n-gram counts of ``words``: for each size in ``top_sizes`` the most
/// frequent n-gram's characters times its count (None with fewer words than the size), and
/// for each in ``duplicate_sizes`` the characters of n-grams repeating an earlier one.
#[pyfunction]
fn ngram_repetition(
    py: Python<'_>,
    words: Vec<PyBackedStr>,
    top_sizes: Vec<usize>,
    duplicate_sizes: Vec<usize>,
) -> (Vec<Option<usize>>, Vec<usize>) {
    let words: Vec<&str> = words.iter().map(|w| &**w).collect();
    py.detach(|| {
        let grams = ngrams::NGrams::new(&words);
        (
            top_sizes.iter().map(|&n| grams.top_chars(n)).collect(),
            duplicate_sizes
                .iter()
                .map(|&n| grams.duplicate_chars(n))
                .collect(),
        )
    })
}

#[pymodule]
fn _core(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Forest>()?;
    module.add_function(wrap_pyfunction!(ngram_repetition, module)?)?;
    Ok(())
}
