using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("FileApi.Tests.Infrastructure.ProviderTestFramework", "FileApi.Tests")]

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// xunit's own framework, except that the tests of a <see cref="SqlServerSuiteAttribute"/> class are discovered as
/// skipped, with the reason, where Docker is unreachable. xunit 2 decides skipping when tests are discovered, and the
/// SQL Server classes inherit their [Fact]s from the PostgreSQL ones, so this is the one place that can say it.
/// </summary>
public sealed class ProviderTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo) =>
        new Discoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);

    sealed class Discoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkDiscoverer(assemblyInfo, sourceProvider, diagnosticMessageSink)
    {
        protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus, ITestFrameworkDiscoveryOptions discoveryOptions)
        {
            if (!testMethod.TestClass.Class.GetCustomAttributes(typeof(SqlServerSuiteAttribute)).Any()
                || !testMethod.Method.GetCustomAttributes(typeof(FactAttribute)).Any()
                || SqlServerServer.DockerUnavailableReason.Value is not { } reason)
                return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);

            var skipped = new XunitSkippedDataRowTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason);
            return ReportDiscoveredTestCase(skipped, includeSourceInformation, messageBus);
        }
    }
}
