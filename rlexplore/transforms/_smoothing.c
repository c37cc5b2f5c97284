/* The explorer's per-point kernels, with the GIL released: TensorBoard's debiased EMA as a
 * sequential recurrence, and M4 pixel-column selection.
 *
 * ema_into(values, out, weight, debias) smooths one contiguous float64 series:
 *     last = last * w + (1 - w) * x      over the finite points,
 *     out  = last / debias[n - 1]        (debias[k] = 1 - w ** (k + 1), from Python's pow),
 * and copies NaN and +-Inf through. Past the table's end, 1 - w ** n rounds to 1.0, so the
 * division is skipped: the same values, bit for bit, as TensorBoard's loop transcribed in
 * Python. A series whose finite values are all equal is copied unchanged.
 * It returns the smallest and largest value written (the y range, for free).
 *
 * m4_into(x, y, edges, out) writes, for the points of increasing x, the indices of each
 * pixel column's first, minimum, maximum and last finite point (in order, each once) and
 * returns how many (every finite point when there are at most 4 per column). A point belongs to the column after every edge <= x (numpy's
 * searchsorted(edges, x, "right")), so columns are exactly rlexplore's pixel columns.
 * Buffers come through the buffer protocol, so no numpy headers are needed to build.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static int get_typed(PyObject *obj, Py_buffer *view, int writable, const char *fmt) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    if (view->itemsize != 8 || (view->format && strcmp(view->format, fmt) != 0)) {
        PyErr_Format(PyExc_TypeError, "expected a contiguous buffer of format %s", fmt);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static int get_buffer(PyObject *obj, Py_buffer *view, int writable) {
    return get_typed(obj, view, writable, "d");
}

static void ema_loop(const double *x, double *out, Py_ssize_t n, double w,
                     const double *debias, Py_ssize_t table, double *lo, double *hi) {
    double last = 0.0, one_minus = 1.0 - w, first = 0.0, mn = INFINITY, mx = -INFINITY;
    Py_ssize_t count = 0;
    int constant = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        double v = x[i];
        if (!isfinite(v)) {
            out[i] = v;
            continue;
        }
        if (count == 0) first = v;
        else if (v != first) constant = 0;
        last = last * w + one_minus * v;
        count++;
        double y = count <= table ? last / debias[count - 1] : last;
        out[i] = y;
        if (y < mn) mn = y;
        if (y > mx) mx = y;
    }
    if (constant && count > 0) {
        for (Py_ssize_t i = 0; i < n; i++) out[i] = x[i];
        mn = mx = first;
    }
    *lo = mn;
    *hi = mx;
}

static PyObject *ema_into(PyObject *self, PyObject *args) {
    PyObject *src, *dst, *tab;
    double w;
    if (!PyArg_ParseTuple(args, "OOdO", &src, &dst, &w, &tab)) return NULL;
    Py_buffer x, out, debias;
    if (get_buffer(src, &x, 0) < 0) return NULL;
    if (get_buffer(dst, &out, 1) < 0) {
        PyBuffer_Release(&x);
        return NULL;
    }
    if (get_buffer(tab, &debias, 0) < 0) {
        PyBuffer_Release(&x);
        PyBuffer_Release(&out);
        return NULL;
    }
    Py_ssize_t n = x.len / 8;
    double lo = INFINITY, hi = -INFINITY;
    if (out.len / 8 != n) {
        PyErr_SetString(PyExc_ValueError, "values and out differ in length");
    } else {
        Py_BEGIN_ALLOW_THREADS
        ema_loop((const double *)x.buf, (double *)out.buf, n, w, (const double *)debias.buf,
                 debias.len / 8, &lo, &hi);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&x);
    PyBuffer_Release(&out);
    PyBuffer_Release(&debias);
    if (PyErr_Occurred()) return NULL;
    return Py_BuildValue("(dd)", lo, hi);
}

static Py_ssize_t emit(long long *out, Py_ssize_t count, Py_ssize_t first, Py_ssize_t imin,
                       Py_ssize_t imax, Py_ssize_t last, int ends) {
    Py_ssize_t lo = imin < imax ? imin : imax, hi = imin < imax ? imax : imin;
    Py_ssize_t picks[4] = {first, lo, hi, last};
    int a = ends ? 0 : 1, b = ends ? 4 : 3;
    for (int k = a; k < b; k++) {
        if (k == a || picks[k] != picks[k - 1]) out[count++] = picks[k];
    }
    return count;
}

static Py_ssize_t m4_loop(const double *y, const long long *bounds, Py_ssize_t columns,
                          long long *out, int ends) {
    Py_ssize_t count = 0, finite = 0, cap = (ends ? 4 : 2) * columns;
    for (Py_ssize_t c = 0; c < columns; c++) {
        Py_ssize_t first = -1, last = -1, imin = -1, imax = -1;
        double lo = 0.0, hi = 0.0;
        for (Py_ssize_t i = (Py_ssize_t)bounds[c]; i < (Py_ssize_t)bounds[c + 1]; i++) {
            double v = y[i];
            if (!isfinite(v)) continue;
            finite++;
            if (first < 0) {
                first = imin = imax = i;
                lo = hi = v;
            } else if (v < lo) {
                lo = v;
                imin = i;
            } else if (v > hi) {
                hi = v;
                imax = i;
            }
            last = i;
        }
        if (first >= 0) count = emit(out, count, first, imin, imax, last, ends);
    }
    if (finite <= cap) { /* few enough to draw them all */
        count = 0;
        for (Py_ssize_t i = (Py_ssize_t)bounds[0]; i < (Py_ssize_t)bounds[columns]; i++) {
            if (isfinite(y[i])) out[count++] = i;
            if (count == cap) break;
        }
    }
    return count;
}

static PyObject *m4_into(PyObject *self, PyObject *args) {
    PyObject *oy, *ob, *oo;
    int ends = 1;
    if (!PyArg_ParseTuple(args, "OOO|p", &oy, &ob, &oo, &ends)) return NULL;
    Py_buffer y, b, out;
    if (get_buffer(oy, &y, 0) < 0) return NULL;
    if (get_typed(ob, &b, 0, "l") < 0) { PyBuffer_Release(&y); return NULL; }
    if (get_typed(oo, &out, 1, "l") < 0) { PyBuffer_Release(&y); PyBuffer_Release(&b); return NULL; }
    Py_ssize_t columns = b.len / 8 - 1, count = -1;
    const long long *bounds = (const long long *)b.buf;
    int ok = columns >= 1 && out.len / 8 >= 4 * columns && bounds[0] >= 0
             && bounds[columns] <= (long long)(y.len / 8);
    for (Py_ssize_t c = 0; ok && c < columns; c++) ok = bounds[c] <= bounds[c + 1];
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "bounds must increase within y; out needs 4 per column");
    } else {
        Py_BEGIN_ALLOW_THREADS
        count = m4_loop((const double *)y.buf, bounds, columns, (long long *)out.buf, ends);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&y); PyBuffer_Release(&b); PyBuffer_Release(&out);
    if (count < 0) return NULL;
    return PyLong_FromSsize_t(count);
}

static PyMethodDef methods[] = {
    {"ema_into", ema_into, METH_VARARGS,
     "ema_into(values, out, weight, debias) -> (min, max): TensorBoard's debiased EMA."},
    {"m4_into", m4_into, METH_VARARGS,
     "m4_into(y, bounds, out, ends=True) -> count: each column's (first,) min, max (, last)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_smoothing",
                                    "TensorBoard's debiased EMA and M4 in C.", -1, methods};

PyMODINIT_FUNC PyInit__smoothing(void) { return PyModule_Create(&module); }
