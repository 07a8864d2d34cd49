/* The floor for the transport benchmark: the least a line-delimited stdio peer can do.
   Reads lines from stdin and writes each straight back, flushed per line. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    while ((length = getline(&line, &capacity, stdin)) > 0) {
        fwrite(line, 1, (size_t)length, stdout);
        fflush(stdout);
    }
    free(line);
    return 0;
}
