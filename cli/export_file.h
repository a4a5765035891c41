/* export_file.h - lab export of a saved trace. */
#ifndef LAB_EXPORT_FILE_H
#define LAB_EXPORT_FILE_H

/* Analyses trace and writes it to path as Chrome trace-event JSON.
 * Returns an exit code after one line on failure. */
int export_file_perfetto(const char *trace, const char *path);

#endif /* LAB_EXPORT_FILE_H */
