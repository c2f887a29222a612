// Source locations are the language's vocabulary too: users of DLGLang see them directly.
@_exported import DLGSource
