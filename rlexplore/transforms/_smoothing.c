/* TensorBoard's debiased EMA as a sequential recurrence, with the GIL released.
 *
 * ema_into(values, out, weight, debias) smooths one contiguous float64 series:
 *     last = last * w + (1 - w) * x      over the finite points,
 *     out  = last / debias[n - 1]        (debias[k] = 1 - w ** (k + 1), from Python's pow),
 * and copies NaN and +-Inf through. Past the table's end, 1 - w ** n rounds to 1.0, so the
 * division is skipped: the same values, bit for bit, as TensorBoard's loop transcribed in
 * Python. A series whose finite values are all equal is copied unchanged.
 * Buffers come through the buffer protocol, so no numpy headers are needed to build.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static int get_buffer(PyObject *obj, Py_buffer *view, int writable) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    if (view->itemsize != 8 || (view->format && strcmp(view->format, "d") != 0)) {
        PyErr_SetString(PyExc_TypeError, "expected a contiguous float64 buffer");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static void ema_loop(const double *x, double *out, Py_ssize_t n, double w,
                     const double *debias, Py_ssize_t table) {
    double last = 0.0, one_minus = 1.0 - w, first = 0.0;
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
        out[i] = count <= table ? last / debias[count - 1] : last;
    }
    if (constant && count > 0) {
        for (Py_ssize_t i = 0; i < n; i++) out[i] = x[i];
    }
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
    if (out.len / 8 != n) {
        PyErr_SetString(PyExc_ValueError, "values and out differ in length");
    } else {
        Py_BEGIN_ALLOW_THREADS
        ema_loop((const double *)x.buf, (double *)out.buf, n, w, (const double *)debias.buf,
                 debias.len / 8);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&x);
    PyBuffer_Release(&out);
    PyBuffer_Release(&debias);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"ema_into", ema_into, METH_VARARGS,
     "ema_into(values, out, weight, debias): TensorBoard's debiased EMA of one series."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_smoothing",
                                    "TensorBoard's debiased EMA in C.", -1, methods};

PyMODINIT_FUNC PyInit__smoothing(void) { return PyModule_Create(&module); }
