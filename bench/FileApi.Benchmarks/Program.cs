using FileApi.Benchmarks;

// dotnet run -c Release --project bench/FileApi.Benchmarks -- [files] [page size] [page] [samples]
var files = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
var pageSize = args.Length > 1 ? int.Parse(args[1]) : 100;
var page = args.Length > 2 ? int.Parse(args[2]) : 1000;
var samples = args.Length > 3 ? int.Parse(args[3]) : 30;
return await ListingBenchmark.RunAsync(files, pageSize, page, samples);
