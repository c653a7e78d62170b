/// Every built-in command, in the order `help` lists them.
enum CommandCatalog {
    static var all: [CommandSpec] {
        [ModelCommands.all,
         DataCommands.all,
         MethodCommands.all,
         PEFTCommands.all,
         TrainCommands.all,
         EvalCommands.all,
         CalibrationCommands.all,
         PreferenceCommands.all,
         InspectCommands.all,
         AnswerCommands.all,
         PlotCommands.all,
         [CallCommand.spec],
         SessionCommands.all].flatMap { $0 }
    }
}
