/// Every built-in command, in the order `help` lists them.
enum CommandCatalog {
    static var all: [CommandSpec] {
        ModelCommands.all + DataCommands.all + MethodCommands.all + TrainCommands.all + EvalCommands.all + InspectCommands.all + AnswerCommands.all + [CallCommand.spec] + SessionCommands.all
    }
}
