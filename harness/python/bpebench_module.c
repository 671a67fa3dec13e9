/* bpebench_module.c: `import bpebench`, the trainer as a Python function
 * with the CS336 signature:
 *
 *   vocab, merges = bpebench.train_bpe(input_path, vocab_size, special_tokens,
 *                                      backend="heap", workers=1, ...)
 *
 * It runs the same training as bin/bpetrain (cli/train.h) on a thread of
 * its own while the calling thread, without the GIL, waits for it and
 * wakes every 50 ms to let Python see a Ctrl-C: a KeyboardInterrupt sets
 * the training's cancel flag: counting stops at its next piece, the merge
 * loop before its next merge, killing and reaping any worker on its way
 * out. */
#define PY_SSIZE_T_CLEAN
#include <Python.h> /* first, as its documentation asks; it defines _GNU_SOURCE */

#include "outputs.h"
#include "pinning.h"
#include "registry.h"
#include "specials.h"
#include "train.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The bpescan beside this module, for the spawn backend (find_module_bpescan,
 * below); NULL when there is none. */
static char *module_bpescan;

/* The arguments, converted; released by args_free. */
struct args {
    PyObject *path;          /* bytes (PyUnicode_FSConverter) */
    Py_ssize_t vocab_size;
    PyObject *specials_obj;  /* the caller's sequence, or None */
    const char *backend, *backend_opts, *pin, *update, *pretok;
    Py_ssize_t workers, count_workers, update_workers, update_min_words;
    PyObject *save_counts, *load_counts, *out; /* bytes, or NULL (optional_path) */
    int stats;
    char **specials;         /* UTF-8 copies */
    size_t n_specials;
};

static void args_free(struct args *a)
{
    for (size_t i = 0; i < a->n_specials; i++)
        free(a->specials[i]);
    free(a->specials);
    Py_XDECREF(a->path);
    Py_XDECREF(a->save_counts);
    Py_XDECREF(a->load_counts);
    Py_XDECREF(a->out);
}

/* An "O&" converter: None or a path (str, bytes, os.PathLike) as bytes. */
static int optional_path(PyObject *obj, void *out)
{
    if (obj == Py_None)
        return 1;
    return PyUnicode_FSConverter(obj, out);
}

static const char *path_or_null(PyObject *bytes)
{
    return bytes ? PyBytes_AS_STRING(bytes) : NULL;
}

static int value_error(const char *msg)
{
    PyErr_SetString(PyExc_ValueError, msg);
    return -1;
}

/* special_tokens: a sequence of str (or None: no special token). */
static int convert_specials(struct args *a)
{
    if (a->specials_obj == Py_None)
        return 0;
    PyObject *seq = PySequence_Fast(a->specials_obj, "special_tokens must be a list of str");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    a->specials = xcalloc((size_t)n + 1, sizeof *a->specials);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        Py_ssize_t len;
        const char *utf8 = PyUnicode_Check(item) ? PyUnicode_AsUTF8AndSize(item, &len) : NULL;
        if (!utf8) {
            Py_DECREF(seq);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "special_tokens must be a list of str");
            return -1;
        }
        a->specials[a->n_specials] = xmalloc((size_t)len + 1);
        memcpy(a->specials[a->n_specials], utf8, (size_t)len + 1);
        a->n_specials++;
    }
    Py_DECREF(seq);
    return 0;
}

/* An input that cannot be read is an OSError with its errno, before any
 * work starts; a directory is one too. */
static int check_input(PyObject *path)
{
    int fd = open(PyBytes_AS_STRING(path), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        fd = -1;
        errno = EISDIR;
    }
    if (fd < 0) {
        int e = errno;
        PyObject *name = PyUnicode_DecodeFSDefaultAndSize(PyBytes_AS_STRING(path),
                                                          PyBytes_GET_SIZE(path));
        errno = e;
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, name ? name : path);
        Py_XDECREF(name);
        return -1;
    }
    close(fd);
    return 0;
}


/* Everything the training thread needs and leaves behind. */
struct job {
    struct train_request rq;
    struct train_result tr;
    atomic_int cancel;
    int rc;
    char err[512];
};

static void *train_thread(void *arg)
{
    struct job *j = arg;
    j->rc = train_run(&j->rq, &j->tr, j->err, sizeof j->err);
    return NULL;
}

/* Runs the job to its end on a thread of its own. Returns 0 when it
 * finished, or -1 with a Python error set: KeyboardInterrupt (or whatever
 * a signal handler raised) after the job was cancelled and has stopped. */
static int run_job(struct job *j)
{
    pthread_t t;
    int e = pthread_create(&t, NULL, train_thread, j);
    if (e) {
        errno = e;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    int interrupted = 0;
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 50 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        Py_BEGIN_ALLOW_THREADS
        e = pthread_timedjoin_np(t, NULL, &until);
        Py_END_ALLOW_THREADS
        if (e == 0)
            break;
        /* A Ctrl-C raises here (main thread only); keep the exception and
         * wait for the job to stop, so that no worker outlives the call. */
        if (!interrupted && PyErr_CheckSignals() < 0) {
            interrupted = 1;
            atomic_store(&j->cancel, 1);
        }
    }
    return interrupted ? -1 : 0;
}

/* vocab: {id: bytes} for every token, specials and bytes first. */
static PyObject *vocab_dict(const struct vocab *v)
{
    PyObject *d = PyDict_New();
    for (uint32_t id = 0; d && id < v->n; id++) {
        PyObject *k = PyLong_FromUnsignedLong(id);
        PyObject *b = PyBytes_FromStringAndSize((const char *)vocab_ptr(v, id), v->len[id]);
        if (!k || !b || PyDict_SetItem(d, k, b) < 0)
            Py_CLEAR(d);
        Py_XDECREF(k);
        Py_XDECREF(b);
    }
    return d;
}

/* merges: [(bytes, bytes)] in the order they were learned. */
static PyObject *merges_list(const struct vocab *v, const struct merge_result *mr)
{
    PyObject *l = PyList_New((Py_ssize_t)mr->merges);
    for (uint64_t m = 0; l && m < mr->merges; m++) {
        uint32_t a = mr->pairs[2 * m], b = mr->pairs[2 * m + 1];
        PyObject *t = Py_BuildValue("(y#y#)", (const char *)vocab_ptr(v, a), (Py_ssize_t)v->len[a],
                                    (const char *)vocab_ptr(v, b), (Py_ssize_t)v->len[b]);
        if (!t)
            Py_CLEAR(l);
        else
            PyList_SET_ITEM(l, (Py_ssize_t)m, t);
    }
    return l;
}

/* stats: every column of bpetrain's CSV row, as int, float or str. */
static void stats_column(void *ctx, const char *name, char kind, const char *value)
{
    PyObject *d = ctx, *v;
    if (PyErr_Occurred())
        return;
    if (kind == 'i')
        v = PyLong_FromString(value, NULL, 10);
    else if (kind == 'f')
        v = PyFloat_FromDouble(strtod(value, NULL));
    else
        v = PyUnicode_DecodeFSDefault(value);
    if (v)
        PyDict_SetItemString(d, name, v);
    Py_XDECREF(v);
}

static PyObject *result_tuple(struct job *j, int stats)
{
    PyObject *vocab = vocab_dict(&j->tr.vocab);
    PyObject *merges = vocab ? merges_list(&j->tr.vocab, &j->tr.merges) : NULL;
    PyObject *st = stats && merges ? PyDict_New() : NULL;
    if (st)
        run_record_columns(&j->tr.rec, stats_column, st);
    PyObject *out = NULL;
    if (merges && (!stats || (st && !PyErr_Occurred())))
        out = stats ? PyTuple_Pack(3, vocab, merges, st) : PyTuple_Pack(2, vocab, merges);
    Py_XDECREF(vocab);
    Py_XDECREF(merges);
    Py_XDECREF(st);
    return out;
}

/* A whole-number argument out of its range, refused as the CLI refuses
 * --NAME: "NAME expects a whole number from MIN to MAX, got V". */
static int check_count(const char *name, Py_ssize_t v, Py_ssize_t min, Py_ssize_t max)
{
    if (v >= min && v <= max)
        return 0;
    PyErr_Format(PyExc_ValueError, "%s expects a whole number from %zd to %zd, got %zd", name,
                 min, max, v);
    return -1;
}

/* A ValueError in the CLI's wording for a refused name. Returns -1. */
static int refused(const char *keyword, const char *choices, const char *got)
{
    struct buf msg = {0};
    option_refused(&msg, keyword, choices, got);
    value_error(buf_cstr(&msg));
    buf_free(&msg);
    return -1;
}

/* pretok, pin and update by name, refused with the CLI's messages (the
 * keyword's name for the option's). */
static int check_names(struct args *a, struct job *j)
{
    j->rq.pretok = PRETOK_DEFAULT;
    if (a->pretok && pretok_kind_parse(a->pretok, &j->rq.pretok) < 0)
        return refused("pretok", PRETOK_CHOICES, a->pretok);
    if (pin_policy_parse(a->pin, &j->rq.pin) < 0)
        return refused("pin", PIN_CHOICES, a->pin);
    j->rq.update = update_find(a->update);
    if (!j->rq.update) {
        struct buf names = {0};
        update_names(&names);
        refused("update", buf_cstr(&names), a->update);
        buf_free(&names);
        return -1;
    }
    return 0;
}

/* The numbers; count_workers None means the online CPUs, as the CLI's
 * default. */
static int check_counts(struct args *a, PyObject *count_workers)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    a->count_workers = cpus > 0 ? cpus : 1;
    if (count_workers != Py_None &&
        ((a->count_workers = PyLong_AsSsize_t(count_workers)) == -1 && PyErr_Occurred()))
        return -1;
    if (check_count("vocab_size", a->vocab_size, 1, VOCAB_SIZE_MAX) < 0 ||
        check_count("workers", a->workers, 1, WORKERS_MAX) < 0 ||
        check_count("count_workers", a->count_workers, 1, WORKERS_MAX) < 0 ||
        check_count("update_workers", a->update_workers, 1, WORKERS_MAX) < 0 ||
        check_count("update_min_words", a->update_min_words, 0, UPDATE_MIN_WORDS_MAX) < 0)
        return -1;
    return 0;
}

/* What the CLI would refuse, refused the same way, before any work. Fills
 * the request's backend, options, names and specials (sp, to be freed by
 * the caller when this returns 0). */
static int check_args(struct args *a, PyObject *count_workers, struct job *j, struct buf *opts,
                      struct specials *sp)
{
    char err[512];
    if (check_input(a->path) < 0 || (a->load_counts && check_input(a->load_counts) < 0))
        return -1;
    j->rq.backend = registry_resolve(a->backend, a->backend_opts, opts, err, sizeof err);
    if (!j->rq.backend)
        return value_error(err);
    if (check_names(a, j) < 0 || check_counts(a, count_workers) < 0)
        return -1;
    if (specials_init(sp, a->specials, a->n_specials, err, sizeof err) < 0)
        return value_error(err);
    if (train_check_vocab_size("vocab_size", (uint64_t)a->vocab_size, sp->n, err, sizeof err) <
        0) {
        specials_free(sp);
        return value_error(err);
    }
    return 0;
}

/* The request of checked arguments; a, opts and sp must outlive it. */
static void fill_request(struct job *j, const struct args *a, struct buf *opts,
                         const struct specials *sp)
{
    struct train_request *rq = &j->rq;
    rq->input = PyBytes_AS_STRING(a->path);
    rq->vocab_size = (uint64_t)a->vocab_size;
    rq->specials = sp;
    rq->backend_opts = buf_cstr(opts);
    rq->worker_exe = getenv("BPEBENCH_BPESCAN") ? NULL : module_bpescan;
    rq->workers = (unsigned)a->workers;
    rq->count_workers = (unsigned)a->count_workers;
    rq->save_counts = path_or_null(a->save_counts);
    rq->load_counts = path_or_null(a->load_counts);
    rq->update_config = (struct update_config){.workers = (unsigned)a->update_workers,
                                               .pin = rq->pin,
                                               .min_words = (uint64_t)a->update_min_words};
    rq->cancel = &j->cancel;
}

/* Trains the filled request; the result, or NULL with an error set. */
static PyObject *train_and_convert(struct job *j, const struct args *a)
{
    if (run_job(j) < 0)
        return NULL;
    if (j->rc < 0) {
        PyErr_SetString(PyExc_RuntimeError, j->err);
        return NULL;
    }
    if (a->out) {
        int rc;
        Py_BEGIN_ALLOW_THREADS
        rc = outputs_write(PyBytes_AS_STRING(a->out), &j->tr.vocab, &j->tr.merges, j->err,
                           sizeof j->err);
        Py_END_ALLOW_THREADS
        if (rc < 0) {
            PyErr_SetString(PyExc_OSError, j->err);
            return NULL;
        }
    }
    return result_tuple(j, a->stats);
}

static PyObject *train_bpe(PyObject *self, PyObject *argv, PyObject *kw)
{
    (void)self;
    static char *names[] = {"input_path", "vocab_size", "special_tokens", "backend", "workers",
                            "count_workers", "stats", "backend_opts", "pin", "update",
                            "update_workers", "pretok", "update_min_words", "save_counts",
                            "load_counts", "out", NULL};
    struct args a = {.backend = "heap", .workers = 1, .pin = "none", .update = "serial",
                     .update_workers = 1, .pretok = NULL};
    PyObject *count_workers = Py_None;
    if (!PyArg_ParseTupleAndKeywords(argv, kw, "O&nO|$snOpzssnznO&O&O&", names,
                                     PyUnicode_FSConverter, &a.path, &a.vocab_size,
                                     &a.specials_obj, &a.backend, &a.workers, &count_workers,
                                     &a.stats, &a.backend_opts, &a.pin, &a.update,
                                     &a.update_workers, &a.pretok, &a.update_min_words,
                                     optional_path, &a.save_counts, optional_path,
                                     &a.load_counts, optional_path, &a.out)) {
        args_free(&a);
        return NULL;
    }
    struct job *j = xcalloc(1, sizeof *j);
    struct buf opts = {0};
    struct specials sp;
    PyObject *out = NULL;
    if (convert_specials(&a) == 0 && check_args(&a, count_workers, j, &opts, &sp) == 0) {
        fill_request(j, &a, &opts, &sp);
        out = train_and_convert(j, &a);
        train_result_free(&j->tr);
        specials_free(&sp);
    }
    buf_free(&opts);
    free(j);
    args_free(&a);
    return out;
}

static PyMethodDef methods[] = {
    {"train_bpe", (PyCFunction)(void (*)(void))train_bpe, METH_VARARGS | METH_KEYWORDS,
     "train_bpe(input_path, vocab_size, special_tokens, *, backend='heap', workers=1,\n"
     "          count_workers=None, stats=False, backend_opts=None, pin='none',\n"
     "          update='serial', update_workers=1, pretok=None, update_min_words=0,\n"
     "          save_counts=None, load_counts=None, out=None)\n"
     "--\n\n"
     "Trains a byte-level BPE tokenizer exactly as CS336 assignment 1 defines it.\n"
     "Returns (vocab, merges): vocab maps each id (the special tokens, then the 256\n"
     "bytes, then the merges) to its bytes; merges lists (bytes, bytes) in the order\n"
     "learned. With stats=True a third element holds the run's phase times and\n"
     "counters (bpetrain's CSV columns). Raises OSError for an input that cannot be\n"
     "read, ValueError for a bad argument, RuntimeError when training fails (a\n"
     "worker died), KeyboardInterrupt on Ctrl-C (no worker is left behind)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "bpebench",
    "Byte-level BPE training (CS336 assignment 1) in C, with the merge-step backends of "
    "bpebench.",
    -1, methods, NULL, NULL, NULL, NULL,
};

/* The spawn backend starts bpescan from beside the running executable,
 * which here is python: make python puts a bpescan beside the module, and
 * every training names it (unless the user named one in BPEBENCH_BPESCAN).
 * Found once, at import (module_bpescan, above). */
static void find_module_bpescan(void)
{
    Dl_info info;
    if (!dladdr((void *)find_module_bpescan, &info) || !info.dli_fname)
        return;
    const char *slash = strrchr(info.dli_fname, '/');
    struct buf path = {0};
    buf_printf(&path, "%.*sbpescan", slash ? (int)(slash - info.dli_fname + 1) : 0,
               info.dli_fname);
    if (access(buf_cstr(&path), X_OK) == 0)
        module_bpescan = xstrdup(buf_cstr(&path));
    buf_free(&path);
}

PyMODINIT_FUNC PyInit_bpebench(void);
PyMODINIT_FUNC PyInit_bpebench(void)
{
    find_module_bpescan();
    PyObject *m = PyModule_Create(&module);
    if (m) {
        PyObject *names = PyList_New(0);
        for (size_t i = 0; names && i < backend_registry_len; i++) {
            PyObject *n = PyUnicode_FromString(backend_registry[i]->name);
            if (!n || PyList_Append(names, n) < 0)
                Py_CLEAR(names);
            Py_XDECREF(n);
        }
        if (!names || PyModule_AddObject(m, "backends", names) < 0) {
            Py_XDECREF(names);
            Py_CLEAR(m);
        }
    }
    return m;
}
