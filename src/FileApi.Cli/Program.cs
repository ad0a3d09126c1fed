using FileApi.Cli;

return await FileApiCli.RunAsync(args, CliHost.FromProcess());
