"""What several tasks share and no core layer should know: the command-line plumbing every
task's ``cli.py`` uses (`bertkit.tasks.common.cli`) and the token/character bookkeeping of the
pointer tasks (`bertkit.tasks.common.pointers`). Not a task: it has no predictor."""
