// libedit's readline-compatible interface (Debian: libedit-dev).
#include <stdio.h>
#include <editline/readline.h>
#include <histedit.h>

// el_set and history are variadic, which Swift cannot call; these fixed-argument wrappers
// expose the few operations the REPL's line editor needs.
static inline int strata_el_set_prompt(EditLine *el, char *(*prompt)(EditLine *)) {
    return el_set(el, EL_PROMPT, prompt);
}
static inline int strata_el_set_clientdata(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}
static inline void *strata_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int strata_el_add_function(EditLine *el, const char *name, const char *help,
                                         unsigned char (*function)(EditLine *, int)) {
    return el_set(el, EL_ADDFN, name, help, function);
}
static inline int strata_el_set_history(EditLine *el, History *list) {
    return el_set(el, EL_HIST, history, list);
}
static inline int strata_history_set_size(History *list, int size) {
    HistEvent event;
    return history(list, &event, H_SETSIZE, size);
}
static inline int strata_history_enter(History *list, const char *line) {
    HistEvent event;
    return history(list, &event, H_ENTER, line);
}
static inline int strata_history_clear(History *list) {
    HistEvent event;
    return history(list, &event, H_CLEAR);
}
