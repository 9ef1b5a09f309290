package io.lakesync.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.flink.cdc.cli.parser.YamlPipelineDefinitionParser;
import org.apache.flink.cdc.common.configuration.Configuration;
import org.apache.flink.cdc.common.factories.DataSinkFactory;
import org.apache.flink.cdc.common.factories.DataSourceFactory;
import org.apache.flink.cdc.connectors.mysql.source.MySqlDataSource;
import org.apache.flink.cdc.common.factories.FactoryHelper;
import org.apache.flink.cdc.composer.definition.PipelineDef;
import org.apache.flink.cdc.composer.definition.SourceDef;
import org.apache.flink.cdc.composer.flink.translator.DataSourceTranslator;
import org.apache.flink.cdc.composer.flink.translator.TransformTranslator;
import org.apache.flink.cdc.composer.utils.FactoryDiscoveryUtils;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.cdc.common.event.Event;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every pipeline `lakesync export --to flink-cdc` wrote into -Dlakesync.pipelines is read by Flink
 * CDC's own YamlPipelineDefinitionParser (after the submit step the file documents: its ${VAR}
 * placeholders filled from the environment, as envsubst does), and its MySQL source is built by the
 * composer's DataSourceTranslator: the connector validates every option and lists the tables the
 * selectors match on the live server. -Dlakesync.expect names, per file, the tables it must see.
 */
class ExportedPipelinesTest {
    /** Options the export writes for Flink CDC 3.6 that the 3.2 connector served here predates. */
    private static final Set<String> NEWER_THAN_SERVED = Set.of("scan.binlog.newly-added-table.enabled");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");

    static String envsubst(String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = System.getenv(m.group(1));
            assertNotNull(value, "the pipeline names ${" + m.group(1) + "}, which the environment does not set");
            m.appendReplacement(out, Matcher.quoteReplacement(value.replace("'", "''")));
        }
        m.appendTail(out);
        return out.toString();
    }

    @TestFactory
    Stream<DynamicTest> everyExportedPipeline() throws Exception {
        Path dir = Paths.get(System.getProperty("lakesync.pipelines", "pipelines"));
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
        }
        assertFalse(files.isEmpty(), "no exported pipeline in " + dir);
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> check(file)));
    }

    private void check(Path file) throws Exception {
        String text = envsubst(Files.readString(file));
        PipelineDef def = new YamlPipelineDefinitionParser().parse(text, new Configuration());
        assertNotNull(def.getSource());
        assertNotNull(def.getSink());
        System.out.printf("%s: parsed (source %s, sink %s, %d routes, %d transforms)%n", file.getFileName(),
                def.getSource().getType(), def.getSink().getType(), def.getRoute().size(), def.getTransforms().size());
        if (!"mysql".equals(def.getSource().getType())) {
            System.out.printf("%s: no %s pipeline connector in the Flink CDC the registry serves: parsed only%n", file.getFileName(), def.getSource().getType());
            return;
        }
        Map<String, String> options = new HashMap<>(def.getSource().getConfig().toMap());
        for (String key : NEWER_THAN_SERVED) {
            if (options.remove(key) != null) System.out.printf("%s: %s left out (Flink CDC 3.6 option)%n", file.getFileName(), key);
        }
        SourceDef source = new SourceDef(def.getSource().getType(), def.getSource().getName().orElse(null), Configuration.fromMap(options));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        int parallelism = def.getConfig().toMap().containsKey("parallelism") ? Integer.parseInt(def.getConfig().toMap().get("parallelism")) : 1;
        // the composer's own first steps: the source (option validation + table listing), then the transforms
        DataStream<Event> stream = new DataSourceTranslator().translate(source, env, def.getConfig(), parallelism);
        new TransformTranslator().translatePreTransform(stream, def.getTransforms(), def.getUdfs());
        String expect = System.getProperty("lakesync.expect." + file.getFileName().toString().replace(".yaml", ""));
        if (expect != null) {
            // the tables the connector itself captures with these selectors, listed on the live server
            DataSourceFactory factory = FactoryDiscoveryUtils.getFactoryByIdentifier("mysql", DataSourceFactory.class);
            MySqlDataSource ds = (MySqlDataSource) factory.createDataSource(new FactoryHelper.DefaultContext(source.getConfig(), def.getConfig(), Thread.currentThread().getContextClassLoader()));
            List<String> tables = ds.getSourceConfig().getTableList().stream().sorted().collect(Collectors.toList());
            assertEquals(expect, String.join(",", tables), file.getFileName() + ": tables the source captures");
            System.out.printf("%s: the MySQL source captures %s%n", file.getFileName(), tables);
        }
        try {
            DataSinkFactory sink = FactoryDiscoveryUtils.getFactoryByIdentifier(def.getSink().getType(), DataSinkFactory.class);
            sink.createDataSink(new FactoryHelper.DefaultContext(def.getSink().getConfig(), def.getConfig(), Thread.currentThread().getContextClassLoader()));
            System.out.printf("%s: %s sink options validated%n", file.getFileName(), def.getSink().getType());
        } catch (RuntimeException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("Cannot find factory with identifier \"" + def.getSink().getType() + "\""), e.toString());
            System.out.printf("%s: no %s pipeline connector in the Flink CDC the registry serves: sink not built%n", file.getFileName(), def.getSink().getType());
        }
    }
}
